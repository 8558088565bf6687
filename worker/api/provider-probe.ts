// POST /api/providers/:id/test: one cheap authenticated upstream call (list models) that
// reports whether the provider answers and accepts the key. Any failure is part of the
// report, never an error of ours. The report says no more than needed: the status, the
// latency, the model ids and a generic reason; never the upstream's body, headers or the
// connection error's text, which could tell a caller about hosts it cannot otherwise see.
import * as z from "zod";
import type { ProviderKind } from "../db/schema.ts";

export const probeResult = z.object({
  ok: z.boolean(),
  status: z.int().nullable().describe("The upstream HTTP status; null when there was no answer"),
  latency_ms: z.int(),
  models: z.array(z.string()).optional().describe("The models the upstream lists"),
  error: z.string().optional().describe("A short generic reason; never the upstream's own text"),
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function statusReason(status: number): string {
  if (status >= 300 && status < 400) return "The provider answered with a redirect, which is not followed; check base_url.";
  if (status === 401 || status === 403) return "The provider refused the API key.";
  if (status === 404) return "The provider has no model list at this address; check base_url and kind.";
  if (status === 429) return "The provider is rate limiting; try again later.";
  if (status >= 500) return "The provider failed to answer.";
  return "The provider rejected the request.";
}

function failure(error: unknown): string {
  const known = error instanceof Error || error instanceof DOMException;
  if (known && error.name === "TimeoutError") return `No answer within ${TIMEOUT_MS / 1000} s.`;
  return "Could not reach the provider; check base_url.";
}

export async function probeProvider(kind: ProviderKind, baseUrl: string | null, key: string | null, demoModels: string[]): Promise<ProbeResult> {
  if (kind === "demo") return { ok: true, status: 200, latency_ms: 0, models: demoModels };
  const probe = probeFor(kind, baseUrl, key);
  const started = Date.now();
  try {
    // Manual redirects: following one would send the key to wherever it points.
    const res = await fetch(probe.url, { headers: probe.headers, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    const latency_ms = Date.now() - started;
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, status: res.status, latency_ms, error: statusReason(res.status) };
    }
    const models = probe.models(parseJson(await res.text()));
    if (!models) return { ok: false, status: res.status, latency_ms, error: "The answer is not a model list; check base_url and kind." };
    return { ok: true, status: res.status, latency_ms, models: models.slice(0, MAX_MODELS) };
  } catch (error) {
    return { ok: false, status: null, latency_ms: Date.now() - started, error: failure(error) };
  }
}
