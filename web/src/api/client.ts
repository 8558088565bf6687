import { accessToken } from '../stores/auth';
import { ApiError } from './error';
import { isObject, isString } from './guards';

export { ApiError } from './error';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions<T> {
  method?: Method;
  /** Serialized as JSON. */
  body?: unknown;
  /** Turns the parsed JSON body (undefined when empty) into T, or returns null if it does not fit. */
  parse: (data: unknown) => T | null;
  signal?: AbortSignal;
}

const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';

/** `{ "error": { "code", "message" } }` → ApiError; anything else → a generic one. */
function toApiError(status: number, statusText: string, data: unknown): ApiError {
  const error = isObject(data) ? data['error'] : undefined;
  if (isObject(error) && isString(error['code']) && isString(error['message'])) {
    return new ApiError(status, error['code'], error['message']);
  }
  return new ApiError(status, 'http_error', statusText || `Request failed with status ${status}`);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The one fetch wrapper: JSON in and out, Bearer auth when signed in, typed errors. */
export async function request<T>(path: string, options: RequestOptions<T>): Promise<T> {
  const { method = 'GET', body, parse, signal } = options;
  const headers = new Headers({ Accept: 'application/json' });
  if (body !== undefined) headers.set('Content-Type', 'application/json');
  const token = accessToken.value;
  if (token) headers.set('Authorization', `Bearer ${token}`);

  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'The request was cancelled.');
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }

  const data = await readJson(response).catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, response.statusText, data);

  const result = parse(data);
  if (result === null) {
    throw new ApiError(response.status, 'invalid_response', 'The server sent an unexpected response.');
  }
  return result;
}
