import { describe, expect, it } from 'vitest';
import { signIn } from '../stores/auth';
import { apiErrorResponse, fetchCall, jsonResponse, stubFetch, USER } from '../test/fetch';
import { ApiError, request } from './client';

const passThrough = (data: unknown) => data ?? null;

describe('request', () => {
  it('sends JSON and parses a JSON answer', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, { ok: true }));

    const result = await request('/api/things', { method: 'POST', body: { a: 1 }, parse: passThrough });

    expect(result).toEqual({ ok: true });
    const { url, init, headers } = fetchCall(fetchMock);
    expect(url).toBe('/api/things');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"a":1}');
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(headers.get('Accept')).toBe('application/json');
  });

  it('sends no Authorization header when signed out', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, {}));
    await request('/api/x', { parse: passThrough });
    const { init, headers } = fetchCall(fetchMock);
    expect(init.method).toBe('GET');
    expect(init.body).toBeUndefined();
    expect(headers.has('Authorization')).toBe(false);
  });

  it('adds the Bearer token when signed in', async () => {
    signIn('tok_123', USER);
    const fetchMock = stubFetch(async () => jsonResponse(200, {}));
    await request('/api/x', { parse: passThrough });
    expect(fetchCall(fetchMock).headers.get('Authorization')).toBe('Bearer tok_123');
  });

  it('turns an error body into an ApiError with status, code and message', async () => {
    stubFetch(async () => apiErrorResponse(401, 'invalid_credentials', 'Wrong email or password.'));
    const error = await request('/api/x', { parse: passThrough }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials', message: 'Wrong email or password.' });
  });

  it('still throws an ApiError when the error body is not in the API shape', async () => {
    stubFetch(async () => new Response('<h1>Bad gateway</h1>', { status: 502 }));
    const error = await request('/api/x', { parse: passThrough }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, code: 'http_error' });
  });

  it('reports a network failure as network_error', async () => {
    stubFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    const error = await request('/api/x', { parse: passThrough }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, code: 'network_error' });
  });

  it('rejects a 2xx body the parser does not accept', async () => {
    stubFetch(async () => jsonResponse(200, { unexpected: true }));
    const error = await request('/api/x', { parse: () => null }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, code: 'invalid_response' });
  });
});
