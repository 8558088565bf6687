// POST /api/providers/:id/test: one cheap authenticated upstream call (list models) that
// reports whether the provider answers and accepts the key. Any failure is part of the
// report, never an error of ours; the key is never echoed back.
import * as z from "zod";
import type { ProviderKind } from "../db/schema.ts";

export const probeResult = z.object({
  ok: z.boolean(),
  status: z.int().nullable().describe("The upstream HTTP status; null when there was no answer"),
  latency_ms: z.int(),
  models: z.array(z.string()).optional().describe("The models the upstream lists"),
  error: z.string().optional(),
});

export type ProbeResult = z.output<typeof probeResult>;

const TIMEOUT_MS = 10_000;
const MAX_MODELS = 1000;

const DEFAULT_BASE: Record<Exclude<ProviderKind, "demo">, string> = {
  openai: "https://api.openai.com/v1",
  "openai-compatible": "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  gemini: "https://generativelanguage.googleapis.com",
};

const idList = z.object({ data: z.array(z.object({ id: z.string() })) });
const geminiList = z.object({ models: z.array(z.object({ name: z.string() })) });
const errorBody = z.object({ error: z.object({ message: z.string() }) });

interface Probe {
  url: string;
  headers: Record<string, string>;
  models(body: unknown): string[] | undefined;
}

const ids = (body: unknown) => idList.safeParse(body).data?.data.map((m) => m.id);

function probeFor(kind: Exclude<ProviderKind, "demo">, baseUrl: string | null, key: string | null): Probe {
  const base = (baseUrl ?? DEFAULT_BASE[kind]).replace(/\/+$/, "");
  switch (kind) {
    case "openai":
    case "openai-compatible":
      return { url: `${base}/models`, headers: key ? { authorization: `Bearer ${key}` } : {}, models: ids };
    case "anthropic":
      return { url: `${base}/v1/models`, headers: { "anthropic-version": "2023-06-01", ...(key ? { "x-api-key": key } : {}) }, models: ids };
    case "gemini":
      return {
        url: `${base}/v1beta/models`,
        headers: key ? { "x-goog-api-key": key } : {},
        models: (body) => geminiList.safeParse(body).data?.models.map((m) => m.name.replace(/^models\//, "")),
      };
  }
}

/** Upstream text made safe to show: the key removed wherever it appears, and bounded. */
function scrub(text: string, key: string | null): string {
  const clean = key ? text.split(key).join("[redacted]") : text;
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failure(error: unknown): string {
  const known = error instanceof Error || error instanceof DOMException;
  if (known && error.name === "TimeoutError") return `No answer within ${TIMEOUT_MS / 1000} s.`;
  return `Could not reach the provider: ${known ? error.message : String(error)}`;
}

export async function probeProvider(kind: ProviderKind, baseUrl: string | null, key: string | null, demoModels: string[]): Promise<ProbeResult> {
  if (kind === "demo") return { ok: true, status: 200, latency_ms: 0, models: demoModels };
  const probe = probeFor(kind, baseUrl, key);
  const started = Date.now();
  try {
    // Manual redirects: following one would send the key to wherever it points.
    const res = await fetch(probe.url, { headers: probe.headers, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = parseJson(await res.text());
    const latency_ms = Date.now() - started;
    if (res.status >= 300 && res.status < 400) {
      return { ok: false, status: res.status, latency_ms, error: "The provider answered with a redirect; check base_url." };
    }
    if (!res.ok) {
      const message = errorBody.safeParse(body).data?.error.message ?? `HTTP ${res.status}`;
      return { ok: false, status: res.status, latency_ms, error: scrub(message, key) };
    }
    const models = probe.models(body);
    if (!models) return { ok: false, status: res.status, latency_ms, error: "The answer is not a model list; check base_url and kind." };
    return { ok: true, status: res.status, latency_ms, models: models.slice(0, MAX_MODELS) };
  } catch (error) {
    return { ok: false, status: null, latency_ms: Date.now() - started, error: scrub(failure(error), key) };
  }
}
