// A gateway call as an OpenTelemetry trace (GenAI semantic conventions): the call's server span,
// admission, each attempt (its span id is the traceparent the provider got), the stream after
// its first byte, and the books; exported over OTLP/HTTP after the response to the operator's
// collector (OTLP_ENDPOINT) and the tenant's own, never slowing or failing the call.
import * as otlp from "../core/otlp.ts";
import type { Span } from "../core/otlp.ts";
import { decryptSecret } from "../core/security/secrets.ts";
import { newSpanId, type TraceContext } from "../core/trace-context.ts";
import { TtlCache } from "../core/ttl-cache.ts";
import type { TenantObservability } from "../db/catalog.ts";
import type { Env } from "../env.ts";
import type { AttemptRecord } from "./attempts.ts";
import type { CallMarks } from "./call-detail.ts";
import { type OtlpCollector, OtlpExporter } from "./otlp-exporter.ts";

const exporter = new OtlpExporter();

export interface TracedCall {
  trace: TraceContext;
  requestId: string;
  tenantId: string;
  keyId: string;
  endpoint: string;
  /** The model that answered (`provider/model`), else the first planned. */
  model: string | null;
  provider: string | null;
  providerKind: string | null;
  status: number;
  errorType: string | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  marks: CallMarks;
  attempts: AttemptRecord[];
  endedAt: number;
}

/** The GenAI operation an endpoint performs (gen_ai.operation.name). */
function operationOf(endpoint: string): string {
  if (endpoint.startsWith("chat") || endpoint === "messages" || endpoint === "responses") return "chat";
  if (endpoint.startsWith("embeddings")) return "embeddings";
  if (endpoint === "completions") return "text_completion";
  if (endpoint.startsWith("mcp.")) return "execute_tool";
  return endpoint;
}

function serverSpan(t: TracedCall): Span {
  const operation = operationOf(t.endpoint);
  const failed = t.status >= 400;
  return {
    traceId: t.trace.traceId,
    spanId: t.trace.spanId,
    ...(t.trace.parentSpanId ? { parentSpanId: t.trace.parentSpanId } : {}),
    name: t.model ? `${operation} ${t.model}` : operation,
    kind: "server",
    startMs: t.marks.startedAt,
    endMs: t.endedAt,
    attributes: {
      [otlp.ATTR_GEN_AI_OPERATION_NAME]: operation,
      ...(t.providerKind ? { [otlp.ATTR_GEN_AI_SYSTEM]: t.providerKind, [otlp.ATTR_GEN_AI_PROVIDER_NAME]: t.providerKind } : {}),
      ...(t.model ? { [otlp.ATTR_GEN_AI_REQUEST_MODEL]: t.model, [otlp.ATTR_GEN_AI_RESPONSE_MODEL]: t.model } : {}),
      [otlp.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: t.inputTokens,
      [otlp.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: t.outputTokens,
      [otlp.ATTR_HTTP_RESPONSE_STATUS_CODE]: t.status,
      ...(t.errorType ? { [otlp.ATTR_ERROR_TYPE]: t.errorType } : {}),
      "aiagg.request_id": t.requestId,
      "aiagg.tenant_id": t.tenantId,
      "aiagg.key_id": t.keyId,
      "aiagg.endpoint": t.endpoint,
      "aiagg.cost_micros": t.costMicros,
      ...(t.provider ? { "aiagg.provider": t.provider } : {}),
    },
    status: failed ? { code: "error", message: t.errorType ?? String(t.status) } : { code: "ok" },
  };
}

const child = (t: TracedCall, name: string, kind: Span["kind"], startMs: number, endMs: number, attributes: Span["attributes"] = {}): Span => ({
  traceId: t.trace.traceId,
  spanId: newSpanId(),
  parentSpanId: t.trace.spanId,
  name,
  kind,
  startMs,
  endMs,
  attributes,
});

function attemptSpan(t: TracedCall, a: AttemptRecord): Span {
  const ok = a.outcome === "ok";
  return {
    ...child(t, `attempt ${a.target}`, "client", a.startedAt, a.startedAt + a.ms, {
      [otlp.ATTR_GEN_AI_REQUEST_MODEL]: a.target,
      "aiagg.provider": a.provider,
      "aiagg.outcome": a.outcome,
      ...(/^\d{3}$/.test(a.outcome) ? { [otlp.ATTR_HTTP_RESPONSE_STATUS_CODE]: Number(a.outcome) } : {}),
    }),
    spanId: a.spanId,
    status: ok ? { code: "ok" } : { code: "error", message: a.outcome },
  };
}

/** Every span of the call. */
export function callSpans(t: TracedCall): Span[] {
  const m = t.marks;
  const spans = [serverSpan(t)];
  if (m.admissionStartedAt !== undefined && m.admittedAt !== undefined) spans.push(child(t, "admission", "internal", m.admissionStartedAt, m.admittedAt));
  for (const a of t.attempts) spans.push(attemptSpan(t, a));
  if (m.ttfbMs !== undefined && t.endedAt > m.startedAt + m.ttfbMs) spans.push(child(t, "stream", "internal", m.startedAt + m.ttfbMs, t.endedAt));
  spans.push(child(t, "books", "internal", t.endedAt, t.endedAt));
  return spans;
}

/** OTLP_HEADERS: "k=v,k2=v2" (as OTEL_EXPORTER_OTLP_HEADERS) or a JSON object. */
export function parseHeaderList(value: string | undefined): Record<string, string> {
  if (!value?.trim()) return {};
  if (value.trim().startsWith("{")) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (parsed && typeof parsed === "object") return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(
    value.split(",").flatMap((pair) => {
      const at = pair.indexOf("=");
      return at > 0 ? [[decodeURIComponent(pair.slice(0, at).trim()), decodeURIComponent(pair.slice(at + 1).trim())]] : [];
    }),
  );
}

const tenantHeaders = new TtlCache<Promise<Record<string, string>>>(300_000, 1000);

async function collectorsFor(env: Env, o: TenantObservability | undefined): Promise<OtlpCollector[]> {
  const out: OtlpCollector[] = [];
  if (env.OTLP_ENDPOINT) out.push({ url: env.OTLP_ENDPOINT, headers: parseHeaderList(env.OTLP_HEADERS) });
  if (o?.otlpEndpoint) {
    const sealed = o.otlpHeadersEncrypted;
    let headers: Promise<Record<string, string>> = Promise.resolve({});
    if (sealed) {
      headers = tenantHeaders.get(sealed) ?? decryptSecret(env.SECRETS_KEY, sealed).then((text) => JSON.parse(text) as Record<string, string>);
      tenantHeaders.set(sealed, headers);
    }
    out.push({ url: o.otlpEndpoint, headers: await headers.catch(() => ({})) });
  }
  return out;
}

/** Whether anyone collects this tenant's traces: decides if spans are built at all. */
export const traced = (env: Env, o: TenantObservability | undefined): boolean => Boolean(env.OTLP_ENDPOINT || o?.otlpEndpoint);

/** Exports the call's spans after the response; a collector's failure is the exporter's to log. */
export function exportCall(env: Env, waitUntil: (p: Promise<unknown>) => void, o: TenantObservability | undefined, t: TracedCall): void {
  if (!t.trace.sampled || !traced(env, o)) return;
  const spans = callSpans(t);
  const resource = { "service.name": env.OTEL_SERVICE_NAME || "ai-aggregator", "aiagg.tenant_id": t.tenantId };
  waitUntil(
    collectorsFor(env, o).then((collectors) => {
      for (const collector of collectors) exporter.add(collector, resource, spans, waitUntil);
    }),
  );
}
