// Building an upstream request from a kind's Wire: the URL of an endpoint and a JSON POST to it.
import { AppError } from "../../core/errors.ts";
import type { UpstreamRequest } from "../upstream.ts";
import type { Endpoint, Wire } from "./descriptor.ts";
import type { CallOptions, Target } from "./types.ts";

/** The URL of `endpoint` at the target's base URL; a 400 when the kind does not serve it. */
export function urlOf(wire: Wire, target: Pick<Target, "kind" | "baseUrl" | "model">, endpoint: Endpoint): string {
  const path = wire.endpoints[endpoint];
  if (!path) {
    throw new AppError("invalid_request", `A provider of kind '${target.kind}' has no ${endpoint} endpoint.`, { code: "unsupported_endpoint", param: "model" });
  }
  return `${target.baseUrl.replace(/\/+$/, "")}${path(target.model)}`;
}

/** A multipart POST to `endpoint` of the target: the form as sent, its model the target's. */
export function formRequest(wire: Wire, target: Target, endpoint: Endpoint, form: FormData, options: CallOptions): UpstreamRequest {
  const body = new FormData();
  for (const [name, value] of form) if (name !== "model") body.append(name, value);
  body.set("model", target.model);
  return {
    url: urlOf(wire, target, endpoint),
    headers: wire.headers(target.apiKey),
    body,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
    trace: options.trace,
  };
}

/** A JSON POST to `endpoint` of the target, with the kind's headers. */
export function jsonRequest(wire: Wire, target: Target, endpoint: Endpoint, body: unknown, options: CallOptions): UpstreamRequest {
  return {
    url: urlOf(wire, target, endpoint),
    headers: { "content-type": "application/json", ...wire.headers(target.apiKey) },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
    trace: options.trace,
  };
}
