// A mock OpenTelemetry collector for tests: OTLP/HTTP with JSON bodies only, on 127.0.0.1. Started
// in a worker thread by test/otlp-setup.ts; the Worker tests see its port as OTLP_MOCK_PORT.
//
//   POST <prefix>/v1/traces   any prefix ("" or e.g. /tenant-a) takes spans: 200 `{}`; a protobuf
//                             (or any non-JSON) content type → 400 "JSON only"; a bad body → 400
//   /auth/…/v1/traces         needs `Authorization: Bearer otlp-secret` (401 otherwise)
//   /fail/v1/traces           answers 503 (spans not kept)
//   /hang/v1/traces           never answers (lets go after MAX_HANG_MS)
//   GET /__spans              every span taken, oldest first (the last 10,000), flattened:
//                             { traceId, spanId, parentSpanId, name, kind ("server" | "client" |
//                             "internal" | "unspecified"), startTimeUnixNano, endTimeUnixNano,
//                             attributes: {key: plain value}, events, status: {code: "unset" |
//                             "ok" | "error", message} | null, resource: {key: plain value},
//                             scope, path, headers }; DELETE clears it (and /__requests)
//   GET /__requests           each POST that reached the mock: { path, status, contentType, spans, at }
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const OTLP_MOCK_TOKEN = "otlp-secret";

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, Plain>;
  events: { name: string; timeUnixNano: string; attributes: Record<string, Plain> }[];
  status: { code: "unset" | "ok" | "error"; message: string | null } | null;
  resource: Record<string, Plain>;
  scope: string | null;
  /** The path it was posted to. */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface ReceivedRequest {
  path: string;
  status: number;
  contentType: string | null;
  spans: number;
  at: number;
}

export interface OtlpCollectorMock {
  port: number;
  close(): Promise<void>;
}

const MAX_SPANS = 10_000;
const MAX_REQUESTS = 1_000;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
// Far beyond any export timeout a test uses, so it still "never answers".
const MAX_HANG_MS = 60_000;

const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
const STATUS = ["unset", "ok", "error"] as const;

// The OTLP JSON shapes, loosely: what a sender got wrong shows up as a missing field, not a crash.
interface WireValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: WireValue[] };
  kvlistValue?: { values?: WireKeyValue[] };
}
interface WireKeyValue {
  key: string;
  value?: WireValue;
}
interface WireSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: WireKeyValue[];
  events?: { name?: string; timeUnixNano?: string; attributes?: WireKeyValue[] }[];
  status?: { code?: number; message?: string };
}
interface WireRequest {
  resourceSpans?: {
    resource?: { attributes?: WireKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: WireSpan[] }[];
  }[];
}

function plain(value: WireValue | undefined): Plain {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  if (value.kvlistValue) return flat(value.kvlistValue.values);
  return null;
}

const flat = (attributes: WireKeyValue[] | undefined): Record<string, Plain> => Object.fromEntries((attributes ?? []).map((kv) => [kv.key, plain(kv.value)]));

function decode(body: WireRequest, path: string, headers: Record<string, string>): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        traceId: span.traceId ?? "",
        spanId: span.spanId ?? "",
        parentSpanId: span.parentSpanId || null,
        name: span.name ?? "",
        kind: KINDS[span.kind ?? 0] ?? "unspecified",
        startTimeUnixNano: span.startTimeUnixNano ?? "0",
        endTimeUnixNano: span.endTimeUnixNano ?? "0",
        attributes: flat(span.attributes),
        events: (span.events ?? []).map((e) => ({ name: e.name ?? "", timeUnixNano: e.timeUnixNano ?? "0", attributes: flat(e.attributes) })),
        status: span.status ? { code: STATUS[span.status.code ?? 0] ?? "unset", message: span.status.message ?? null } : null,
        resource: flat(rs.resource?.attributes),
        scope: ss.scope?.name ?? null,
        path,
        headers,
      })),
    ),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** An OTLP error body: google.rpc.Status in JSON. */
const rpcStatus = (res: ServerResponse, status: number, message: string) => sendJson(res, status, { code: status === 401 ? 16 : 3, message });

/** The body, or null past MAX_BODY_BYTES (read to the end all the same, so the answer can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null;
}

const flatHeaders = (req: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]])),
  );

function hang(res: ServerResponse): void {
  const timer = setTimeout(() => res.destroy(), MAX_HANG_MS);
  res.once("close", () => clearTimeout(timer));
}

export async function startOtlpCollector(options: { port?: number } = {}): Promise<OtlpCollectorMock> {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];

  function take(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer | null): number {
    const contentType = req.headers["content-type"] ?? "";
    if (!/^application\/json\b/i.test(contentType)) {
      rpcStatus(res, 400, `this collector accepts JSON only (content-type: application/json), not ${contentType || "no content type"}`);
      return 0;
    }
    if (!raw) {
      rpcStatus(res, 413, "body too large");
      return 0;
    }
    let body: WireRequest;
    try {
      body = JSON.parse(raw.toString("utf8")) as WireRequest;
    } catch {
      rpcStatus(res, 400, "the body is not JSON");
      return 0;
    }
    const received = decode(body, path, flatHeaders(req));
    spans.push(...received);
    if (spans.length > MAX_SPANS) spans.splice(0, spans.length - MAX_SPANS);
    sendJson(res, 200, {});
    return received.length;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/__spans" && req.method === "GET") return sendJson(res, 200, spans);
    if (path === "/__requests" && req.method === "GET") return sendJson(res, 200, requests);
    if (path === "/__spans" && req.method === "DELETE") {
      spans.length = 0;
      requests.length = 0;
      return sendJson(res, 200, { cleared: true });
    }
    if (req.method !== "POST" || !path.endsWith("/v1/traces")) return rpcStatus(res, 404, `no OTLP endpoint at ${req.method} ${path}`);

    const raw = await readBody(req);
    const record = (status: number, count = 0) => {
      requests.push({ path, status, contentType: req.headers["content-type"] ?? null, spans: count, at: Date.now() });
      if (requests.length > MAX_REQUESTS) requests.splice(0, requests.length - MAX_REQUESTS);
    };
    if (path === "/hang/v1/traces") {
      record(0);
      return hang(res);
    }
    if (path === "/fail/v1/traces") {
      record(503);
      return rpcStatus(res, 503, "collector unavailable");
    }
    if (path.startsWith("/auth/") && req.headers.authorization !== `Bearer ${OTLP_MOCK_TOKEN}`) {
      record(401);
      return rpcStatus(res, 401, "unauthenticated");
    }
    const count = take(req, res, path, raw);
    record(res.statusCode, count);
  }

  const server = createServer((req, res) => {
    // One request per connection: workerd pools idle connections, and reusing one the server
    // has just closed fails as "Network connection lost" (as in upstream.ts).
    res.shouldKeepAlive = false;
    serve(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else rpcStatus(res, 500, `internal error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
