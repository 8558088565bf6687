import type { McpServer, McpServerCreateBody, McpServerUpdateBody } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { splitList } from "../../lib/form";
import { microsToDollars, parseDollarsToMicros } from "../../lib/money";
import { PROVIDER_NAME } from "../providers/providerForm";

// Mirrors worker/api/mcp-servers.ts.
export const TOOL_NAME = /^[\x21-\x7e]{1,128}$/;
const PRICE_KEY = /^(\*|[\x21-\x7e]{1,128})$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Headers the gateway sets itself on every request to a server. */
const RESERVED_HEADERS = new Set(["content-type", "accept", "mcp-session-id", "mcp-protocol-version", "host", "content-length", "x-aggregator-hops"]);
const MAX_HEADERS = 16;
const MAX_TOOLS = 1000;
const MAX_PRICE_MICROS = 100_000_000;

export type Transport = McpServer["transport"];

export interface ServerFormValues {
  name: string;
  url: string;
  transport: Transport;
  /** "Name: value" lines; on edit, empty keeps the stored headers. */
  headers: string;
  removeHeaders: boolean;
  /** One tool per line; empty offers all the server lists. */
  tools: string;
  /** "tool = dollars" lines; "*" covers any other tool. */
  prices: string;
  enabled: boolean;
  scope: "tenant" | "platform";
}

export type ServerField = "name" | "url" | "headers" | "tools" | "prices";
export type ServerErrors = Partial<Record<ServerField, MessageKey>>;

export const emptyServerForm = (): ServerFormValues => ({
  name: "",
  url: "",
  transport: "streamable-http",
  headers: "",
  removeHeaders: false,
  tools: "",
  prices: "",
  enabled: true,
  scope: "tenant",
});

export const pricesText = (prices: Readonly<Record<string, number>> | null): string =>
  Object.entries(prices ?? {})
    .map(([tool, micros]) => `${tool} = ${microsToDollars(micros)}`)
    .join("\n");

export const serverFormFrom = (s: McpServer): ServerFormValues => ({
  name: s.name,
  url: s.url,
  transport: s.transport,
  headers: "",
  removeHeaders: false,
  tools: (s.tools ?? []).join("\n"),
  prices: pricesText(s.tool_prices),
  enabled: s.enabled,
  scope: s.scope,
});

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** "Name: value" lines → headers; null when a line is not one. */
export function parseHeaders(text: string): Record<string, string> | null {
  const headers: Record<string, string> = {};
  for (const line of lines(text)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase()) || value === "" || value.length > 4096) return null;
    headers[name] = value;
  }
  return Object.keys(headers).length > MAX_HEADERS ? null : headers;
}

/** "tool = dollars" lines → micro-dollars by tool; null when a line is not one. */
export function parsePrices(text: string): Record<string, number> | null {
  const prices: Record<string, number> = {};
  for (const line of lines(text)) {
    const eq = line.lastIndexOf("=");
    if (eq <= 0) return null;
    const tool = line.slice(0, eq).trim();
    const micros = parseDollarsToMicros(line.slice(eq + 1));
    if (!PRICE_KEY.test(tool) || micros === null || micros > MAX_PRICE_MICROS) return null;
    prices[tool] = micros;
  }
  return Object.keys(prices).length > MAX_TOOLS ? null : prices;
}

function validUrl(text: string): boolean {
  if (text.length > 2048 || text.includes("#")) return false;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export function validateServer(v: ServerFormValues): ServerErrors {
  const errors: ServerErrors = {};
  if (!PROVIDER_NAME.test(v.name) || v.name.includes("__")) errors.name = "tools.form.nameInvalid";
  if (!validUrl(v.url.trim())) errors.url = "tools.form.urlInvalid";
  if (!v.removeHeaders && parseHeaders(v.headers) === null) errors.headers = "tools.form.headersInvalid";
  const tools = splitList(v.tools);
  if (tools.length > MAX_TOOLS || tools.some((t) => !TOOL_NAME.test(t))) errors.tools = "tools.form.toolsInvalid";
  if (parsePrices(v.prices) === null) errors.prices = "tools.form.pricesInvalid";
  return errors;
}

const toolsOf = (v: ServerFormValues): string[] | null => {
  const tools = splitList(v.tools);
  return tools.length > 0 ? tools : null;
};

/** Call after validateServer: headers only when typed, tools null for "all", prices in micro-dollars. */
export function createBody(v: ServerFormValues): McpServerCreateBody {
  const body: McpServerCreateBody = {
    name: v.name,
    url: v.url.trim(),
    transport: v.transport,
    tools: toolsOf(v),
    enabled: v.enabled,
    scope: v.scope,
  };
  const headers = parseHeaders(v.headers) ?? {};
  if (Object.keys(headers).length > 0) body.headers = headers;
  const prices = parsePrices(v.prices) ?? {};
  if (Object.keys(prices).length > 0) body.tool_prices = prices;
  return body;
}

/**
 * Everything but the headers and the transport is sent as shown; the headers only when typed
 * (replace) or removed, the transport only when it differs from the server's.
 */
export function updateBody(v: ServerFormValues, server: Pick<McpServer, "transport">): McpServerUpdateBody {
  const prices = parsePrices(v.prices) ?? {};
  const body: McpServerUpdateBody = {
    name: v.name,
    url: v.url.trim(),
    tools: toolsOf(v),
    tool_prices: Object.keys(prices).length > 0 ? prices : null,
    enabled: v.enabled,
  };
  if (v.transport !== server.transport) body.transport = v.transport;
  if (v.removeHeaders) body.headers = null;
  else {
    const headers = parseHeaders(v.headers) ?? {};
    if (Object.keys(headers).length > 0) body.headers = headers;
  }
  return body;
}
