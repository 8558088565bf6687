// A local stand-in for the providers' HTTP APIs, for tests: OpenAI under /openai, Anthropic
// under /anthropic, Gemini under /gemini, each checking its own auth header and answering
// errors in its own shape. Routes are a table, so chat, messages, streams and fault
// injection can be added as more entries.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UPSTREAM_KEYS, UPSTREAM_MODELS, type UpstreamFlavor } from "./upstream-keys.ts";

export interface MockRequest {
  method: string;
  /** The path below the flavour's prefix, e.g. `/v1/models`. */
  path: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface MockResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface MockRoute {
  flavor: UpstreamFlavor;
  method: string;
  path: string;
  handle(req: MockRequest): MockResponse | Promise<MockResponse>;
}

interface Flavor {
  /** The key the caller presented, or undefined. */
  presentedKey(req: MockRequest): string | undefined;
  /** A provider-shaped error body. */
  error(status: number, message: string): unknown;
  /** What the provider says to a wrong or missing key. */
  unauthorized(key: string | undefined): string;
}

const CREATED = 1_735_689_600; // 2025-01-01T00:00:00Z

const header = (req: MockRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const FLAVORS: Record<UpstreamFlavor, Flavor> = {
  openai: {
    presentedKey: (req) => /^Bearer (.+)$/.exec(header(req, "authorization") ?? "")?.[1],
    // The real API masks most of the key; echoing it whole lets tests prove the gateway never passes it on.
    error: (status, message) => ({ error: { message, type: status === 401 ? "invalid_request_error" : "api_error", param: null, code: status === 401 ? "invalid_api_key" : null } }),
    unauthorized: (key) => `Incorrect API key provided: ${key ?? "(none)"}.`,
  },
  anthropic: {
    presentedKey: (req) => header(req, "x-api-key"),
    error: (status, message) => ({ type: "error", error: { type: status === 401 ? "authentication_error" : status === 400 ? "invalid_request_error" : "not_found_error", message } }),
    unauthorized: () => "invalid x-api-key",
  },
  gemini: {
    presentedKey: (req) => header(req, "x-goog-api-key") ?? req.url.searchParams.get("key") ?? undefined,
    error: (status, message) => ({ error: { code: status, message, status: status === 401 ? "UNAUTHENTICATED" : status === 404 ? "NOT_FOUND" : "INVALID_ARGUMENT" } }),
    unauthorized: () => "API key not valid. Please pass a valid API key.",
  },
};

export const ROUTES: MockRoute[] = [
  {
    flavor: "openai",
    method: "GET",
    path: "/v1/models",
    handle: () => ({
      status: 200,
      body: { object: "list", data: UPSTREAM_MODELS.openai.map((id) => ({ id, object: "model", created: CREATED, owned_by: "openai" })) },
    }),
  },
  {
    flavor: "anthropic",
    method: "GET",
    path: "/v1/models",
    handle: (req) => {
      if (!header(req, "anthropic-version")) return { status: 400, body: FLAVORS.anthropic.error(400, "anthropic-version: header is required") };
      const data = UPSTREAM_MODELS.anthropic.map((id) => ({ type: "model", id, display_name: id, created_at: new Date(CREATED * 1000).toISOString() }));
      return { status: 200, body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null } };
    },
  },
  {
    flavor: "gemini",
    method: "GET",
    path: "/v1beta/models",
    handle: () => ({
      status: 200,
      body: {
        models: UPSTREAM_MODELS.gemini.map((id) => ({
          name: `models/${id}`,
          version: "001",
          displayName: id,
          inputTokenLimit: 1_048_576,
          outputTokenLimit: 65_536,
          supportedGenerationMethods: ["generateContent", "countTokens"],
        })),
      },
    }),
  },
];

function flavorOf(pathname: string): { flavor: UpstreamFlavor; path: string } | undefined {
  const match = /^\/(openai|anthropic|gemini)(\/.*)$/.exec(pathname);
  return match ? { flavor: match[1] as UpstreamFlavor, path: match[2]! } : undefined;
}

async function answer(req: MockRequest, flavor: UpstreamFlavor, routes: MockRoute[]): Promise<MockResponse> {
  const shape = FLAVORS[flavor];
  const key = shape.presentedKey(req);
  if (key !== UPSTREAM_KEYS[flavor]) {
    return { status: 401, body: shape.error(401, shape.unauthorized(key)) };
  }
  const route = routes.find((r) => r.flavor === flavor && r.method === req.method && r.path === req.path);
  return route ? route.handle(req) : { status: 404, body: shape.error(404, `No route for ${req.method} ${req.path}`) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, out: MockResponse): void {
  res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
  res.end(JSON.stringify(out.body));
}

export interface UpstreamMock {
  port: number;
  close(): Promise<void>;
}

export async function startUpstreamMock(routes: MockRoute[] = ROUTES): Promise<UpstreamMock> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const target = flavorOf(url.pathname);
      if (!target) return send(res, { status: 404, body: { error: `unknown prefix: ${url.pathname}` } });
      const request: MockRequest = { method: req.method ?? "GET", path: target.path, url, headers: req.headers, body: await readBody(req) };
      send(res, await answer(request, target.flavor, routes));
    })().catch((error: unknown) => send(res, { status: 500, body: { error: String(error) } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
