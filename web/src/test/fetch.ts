import { vi, type Mock } from 'vitest';

export type FetchMock = Mock<typeof fetch>;

export const jsonResponse = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

export const apiErrorResponse = (status: number, code: string, message: string): Response =>
  jsonResponse(status, { error: { code, message } });

/** Replaces global fetch (restored after each test by `unstubGlobals`). */
export function stubFetch(impl: typeof fetch): FetchMock {
  const mock = vi.fn<typeof fetch>(impl);
  vi.stubGlobal('fetch', mock);
  return mock;
}

/** The [url, init] of the n-th fetch call, with its headers normalized. */
export function fetchCall(mock: FetchMock, n = 0): { url: string; init: RequestInit; headers: Headers } {
  const call = mock.mock.calls[n];
  if (!call) throw new Error(`fetch was called ${mock.mock.calls.length} time(s), wanted call #${n}`);
  const [input, init = {}] = call;
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return { url, init, headers: new Headers(init.headers) };
}

export const USER = {
  id: 'usr_1',
  email: 'owner@example.com',
  name: 'Owner',
  role: 'owner',
  tenant_id: 'ten_1',
} as const;

export const LOGIN_OK = {
  access_token: 'tok_abc',
  token_type: 'Bearer',
  expires_in: 900,
  user: USER,
};

export const ME_OK = { user: USER, tenant: { id: 'ten_1', name: 'Acme Labs' } };
