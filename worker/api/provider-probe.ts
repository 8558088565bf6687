// POST /api/providers/:id/test: one cheap authenticated upstream call (list models) that
// reports whether the provider answers and accepts the key. Any failure is part of the
// report, never an error of ours. The report says no more than needed: the status, the
// latency, the model ids and a generic reason; never the upstream's body, headers or the
// connection error's text, which could tell a caller about hosts it cannot otherwise see.
import * as z from "zod";
import type { ProviderKind } from "../db/schema.ts";
import { baseUrlOf, endpointUrl, PROVIDERS } from "../gateway/providers/index.ts";

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

export async function probeProvider(kind: ProviderKind, baseUrl: string | null, key: string | null): Promise<ProbeResult> {
  const { probe, headers } = PROVIDERS[kind];
  if (probe.via === "local") return { ok: true, status: 200, latency_ms: 0, models: probe.modelIds() };
  const url = endpointUrl({ kind, baseUrl: baseUrlOf(kind, baseUrl), model: "" }, "models");
  const started = Date.now();
  try {
    // Manual redirects: following one would send the key to wherever it points.
    const res = await fetch(url, { headers: headers(key), redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    const latency_ms = Date.now() - started;
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, status: res.status, latency_ms, error: statusReason(res.status) };
    }
    const models = probe.modelIds(parseJson(await res.text()));
    if (!models) return { ok: false, status: res.status, latency_ms, error: "The answer is not a model list; check base_url and kind." };
    return { ok: true, status: res.status, latency_ms, models: models.slice(0, MAX_MODELS) };
  } catch (error) {
    return { ok: false, status: null, latency_ms: Date.now() - started, error: failure(error) };
  }
}
