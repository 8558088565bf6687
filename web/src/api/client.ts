import { accessToken, expiresSoon, signOut } from "../stores/auth";
import { showingCachedData } from "../stores/network";
import { ApiError } from "./error";
import { isObject, isString } from "./guards";
import { refreshSession } from "./refresh";
import type { Paths } from "./schema";
import type { Method, Operation, PathFor, ResponseOf } from "./types";

export { ApiError, isApiError } from "./error";

/** The service worker marks answers it served from its cache while offline. */
export const CACHE_HEADER = "x-sw-cache";

export interface RequestOptions {
  method?: Uppercase<Method>;
  /** Serialized as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** false for the sign-in calls themselves: no token is sent and a 401 is not refreshed. */
  auth?: boolean;
  /** Non-2xx statuses whose body is still the answer (e.g. 503 from /api/health). */
  acceptStatus?: readonly number[];
}

const NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again.";

/** `{ "error": { "code", "message", ...details } }` → ApiError; anything else → a generic one. */
function toApiError(status: number, statusText: string, data: unknown): ApiError {
  const error = isObject(data) ? data.error : undefined;
  if (isObject(error) && isString(error.code) && isString(error.message)) {
    const { code, message, ...details } = error;
    return new ApiError(status, code, message, details);
  }
  return new ApiError(status, "http_error", statusText || `Request failed with status ${status}`);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function send(path: string, options: RequestOptions, withToken: boolean, accept = "application/json"): Promise<Response> {
  const { method = "GET", body, signal } = options;
  const headers = new Headers({ Accept: accept });
  if (body !== undefined) headers.set("Content-Type", "application/json");
  const token = withToken ? accessToken.value : null;
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  try {
    return await fetch(path, init);
  } catch {
    if (signal?.aborted) throw new ApiError(0, "aborted", "The request was cancelled.");
    throw new ApiError(0, "network_error", NETWORK_MESSAGE);
  }
}

/**
 * The one fetch wrapper: JSON in and out, Bearer auth with silent refresh (shortly before the
 * token expires, and once on a 401), typed errors. Resolves to the parsed body (undefined if empty).
 */
export async function request(path: string, options: RequestOptions = {}): Promise<unknown> {
  const response = await authorizedFetch(path, options);
  const data = await readJson(response);
  const accepted = response.ok || (options.acceptStatus?.includes(response.status) ?? false);
  if (!accepted) throw toApiError(response.status, response.statusText, data);
  if (method(options) === "GET") showingCachedData.value = response.headers.get(CACHE_HEADER) === "hit";
  return data;
}

const method = (options: RequestOptions) => options.method ?? "GET";

/** The fetch behind `request`: Bearer auth and silent refresh, the response itself (any status). */
async function authorizedFetch(path: string, options: RequestOptions, accept?: string): Promise<Response> {
  const auth = options.auth ?? true;
  if (auth && accessToken.value && expiresSoon()) await refreshSession();
  const hadToken = auth && accessToken.value !== null;
  let response = await send(path, options, auth, accept);
  if (response.status === 401 && hadToken) {
    const refreshed = await refreshSession();
    if (refreshed) response = await send(path, options, auth, accept);
    // Still refused with a fresh token: the membership or account is gone.
    if (response.status === 401 && accessToken.value !== null) signOut();
  }
  return response;
}

/**
 * A GET whose body is not JSON (a download, an event stream): authenticated like `request`, and
 * the response handed back once it is a success; a failure throws the API's error.
 */
export async function requestStream(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
  const response = await authorizedFetch(path, signal ? { signal } : {}, accept);
  if (!response.ok) throw toApiError(response.status, response.statusText, await readJson(response));
  return response;
}

type Has<T, K extends string> = K extends keyof T ? ([T[K]] extends [never] ? false : true) : false;

/** What a documented operation needs: path params, body, query — only those it has. */
export type CallOptions<O> = (Has<O, "path"> extends true ? { path: O extends { path: infer P } ? P : never } : object) &
  (Has<O, "body"> extends true ? { body: O extends { body: infer B } ? B : never } : object) &
  (Has<O, "query"> extends true ? { query?: O extends { query: infer Q } ? Q : never } : object) & {
    signal?: AbortSignal;
    acceptStatus?: readonly number[];
  };

type OptionalArgs<O> = object extends CallOptions<O> ? [options?: CallOptions<O>] : [options: CallOptions<O>];

type Scalar = string | number | boolean | null | undefined;

/** `/api/keys/{id}` + `{ id: 'k 1' }` → `/api/keys/k%201`, plus a query string without empty values. */
export function buildUrl(template: string, params?: Record<string, Scalar>, query?: Record<string, Scalar>): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A call to a documented endpoint, typed end to end by the generated schema. */
export async function call<M extends Method, P extends PathFor<M> & keyof Paths>(
  verb: M,
  path: P,
  ...[options]: OptionalArgs<Operation<P, M>>
): Promise<ResponseOf<P, M>> {
  const parts = (options ?? {}) as {
    path?: Record<string, Scalar>;
    query?: Record<string, Scalar>;
    body?: unknown;
    signal?: AbortSignal;
    acceptStatus?: readonly number[];
  };
  const init: RequestOptions = { method: verb.toUpperCase() as Uppercase<Method> };
  if (parts.body !== undefined) init.body = parts.body;
  if (parts.signal) init.signal = parts.signal;
  if (parts.acceptStatus) init.acceptStatus = parts.acceptStatus;
  // The body's shape is the server's own schema; it is trusted as typed.
  return (await request(buildUrl(path, parts.path, parts.query), init)) as ResponseOf<P, M>;
}
