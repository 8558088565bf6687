// Helpers shared by the translators.
import { AppError } from "../../core/errors.ts";

/** A 400 naming a parameter the target provider cannot honour: never a silent drop. */
export function unsupported(param: string, target: string, detail = ""): AppError {
  return new AppError("invalid_request", `The parameter '${param}'${detail} is not supported when calling ${target} models.`, {
    code: "unsupported_parameter",
    param,
  });
}

/** What a parameter is when not given: SDKs and frameworks often send it, asking for nothing. */
const DEFAULTS: Record<string, unknown> = { n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false, top_logprobs: 0, parallel_tool_calls: true };

function asksForNothing(param: string, value: unknown): boolean {
  if (value === undefined || value === null || value === DEFAULTS[param]) return true;
  return typeof value === "object" && Object.keys(value).length === 0;
}

/** Rejects any of `params` that `req` sets to something other than its default. */
export function rejectPresent(req: Record<string, unknown>, params: readonly string[], target: string): void {
  for (const param of params) {
    if (!asksForNothing(param, req[param])) throw unsupported(param, target);
  }
}

export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, data: match[2]! } : undefined;
}

/** JSON.parse for tool arguments a model produced: invalid JSON is kept, not thrown. */
export function parseArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

export function stringifyArguments(input: unknown): string {
  return JSON.stringify(input ?? {});
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
