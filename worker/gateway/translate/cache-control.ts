// Anthropic's prompt-cache breakpoints (cache_control) through the OpenAI shape: kept on the parts,
// messages and tools that carry them, and taken off for OpenAI's own API, which refuses them.
import { AppError } from "../../core/errors.ts";
import type { ChatCompletionRequest } from "../formats/openai.ts";
import { cacheControl } from "../openai-schema.ts";

type Json = Record<string, unknown>;

/** `{ cache_control }` when `holder` carries one (already validated), to spread into a block; else nothing. */
export function cacheControlOf(holder: unknown): Json {
  const value = typeof holder === "object" && holder !== null ? (holder as Json).cache_control : undefined;
  return value === undefined || value === null ? {} : { cache_control: value };
}

/** The same, for input not validated yet: a malformed cache_control is a 400 naming `param`. */
export function checkedCacheControlOf(holder: unknown, param: string): Json {
  const found = cacheControlOf(holder);
  if (found.cache_control === undefined || cacheControl.safeParse(found.cache_control).success) return found;
  throw new AppError("invalid_request", `'${param}.cache_control' must be {"type": "ephemeral"} with an optional "ttl" of "5m" or "1h".`, {
    code: "invalid_value",
    param: `${param}.cache_control`,
  });
}

function without<T extends object>(holder: T): T {
  if (!("cache_control" in holder)) return holder;
  const { cache_control: _dropped, ...rest } = holder as T & { cache_control?: unknown };
  return rest as T;
}

/** The request without any cache_control, for a provider that refuses the field. */
export function withoutCacheControl(req: ChatCompletionRequest): ChatCompletionRequest {
  const messages = req.messages.map((m) => {
    const message = without(m);
    return Array.isArray(message.content) ? { ...message, content: message.content.map(without) } : message;
  });
  return { ...req, messages, ...(req.tools ? { tools: req.tools.map(without) } : {}) };
}
