import { vi, type Mock } from "vitest";
import type { MeResponse, Provider, TokenResponse, User } from "../api/types";

export type FetchMock = Mock<typeof fetch>;

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

export const apiErrorResponse = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response =>
  jsonResponse(status, { error: { code, message, ...extra } });

/** Replaces global fetch (restored after each test by `unstubGlobals`). */
export function stubFetch(impl: typeof fetch): FetchMock {
  const mock = vi.fn<typeof fetch>(impl);
  vi.stubGlobal("fetch", mock);
  return mock;
}

export interface Call {
  url: string;
  method: string;
  init: RequestInit;
  headers: Headers;
  /** The parsed JSON body, if any. */
  body: unknown;
}

function toCall([input, init = {}]: Parameters<typeof fetch>): Call {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
  return { url, method: init.method ?? "GET", init, headers: new Headers(init.headers), body };
}

/** The n-th fetch call, with its headers and JSON body decoded. */
export function fetchCall(mock: FetchMock, n = 0): Call {
  const call = mock.mock.calls[n];
  if (!call) throw new Error(`fetch was called ${mock.mock.calls.length} time(s), wanted call #${n}`);
  return toCall(call);
}

export const allCalls = (mock: FetchMock): Call[] => mock.mock.calls.map(toCall);

type Handler = (call: Call) => Response | Promise<Response>;

/** A fake server: `'METHOD /path'` (query ignored) → handler; anything else is a 404. */
export function routes(table: Record<string, Handler>): FetchMock {
  return stubFetch(async (...args) => {
    const call = toCall(args);
    const key = `${call.method} ${call.url.split("?")[0]}`;
    const handler = table[key];
    return handler ? handler(call) : apiErrorResponse(404, "not_found", `no stub for ${key}`);
  });
}

export const USER: User = {
  id: "usr_1",
  email: "owner@example.com",
  name: "Owner",
  role: "owner",
  tenant_id: "ten_1",
  is_operator: false,
};

export const userWithRole = (role: string, isOperator = false): User => ({ ...USER, role, is_operator: isOperator });

export const LOGIN_OK: TokenResponse = {
  access_token: "tok_abc",
  token_type: "Bearer",
  expires_in: 900,
  user: USER,
};

export const session = (token: string, user: User = USER, expiresIn = 900) => ({ access_token: token, expires_in: expiresIn, user });

export const ME_OK: MeResponse = {
  user: USER,
  tenant: { id: "ten_1", name: "Acme Labs" },
  tenants: [{ id: "ten_1", name: "Acme Labs", role: "owner" }],
};

export const PROVIDER: Provider = {
  id: "prv_1",
  name: "openai",
  kind: "openai",
  base_url: null,
  api_key_last4: "x9Z2",
  has_api_key: true,
  models: ["gpt-4o-mini", "gpt-4o"],
  weight: 1,
  enabled: true,
  scope: "tenant",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
  health: { circuit: "closed", samples: 0, failures: 0, latency_ms: null },
};
