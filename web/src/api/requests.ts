// /api/requests: the request explorer, typed by the generated schema.
import { call } from "./client";
import type { RequestDetail, RequestPage, RequestQuery } from "./types";

export function listRequests(query: RequestQuery, signal?: AbortSignal): Promise<RequestPage> {
  return call("get", "/api/requests", signal ? { query, signal } : { query });
}

export function getRequest(id: string, signal?: AbortSignal): Promise<RequestDetail> {
  return call("get", "/api/requests/{id}", signal ? { path: { id }, signal } : { path: { id } });
}
