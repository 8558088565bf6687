// The end user a call is made for, when the caller names one: the x-aggregator-user header, else
// `user` (OpenAI bodies) or `metadata.user_id` (Anthropic bodies). Per-user limits and analytics
// key on it; a name is at most END_USER_MAX characters and is never trusted for anything else.
import { AppError } from "../core/errors.ts";

export const END_USER_MAX = 128;
export const END_USER_HEADER = "x-aggregator-user";

/** 1 to END_USER_MAX characters, none of them a control character. */
export function isEndUserName(value: string): boolean {
  if (value.length === 0 || value.length > END_USER_MAX) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

function named(value: unknown, param: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string" || !isEndUserName(value)) {
    throw new AppError("invalid_request", `'${param}' must be a string of at most ${END_USER_MAX} printable characters.`, {
      code: "invalid_end_user",
      param,
    });
  }
  return value;
}

export function endUserOf(headers: Headers, body: object): string | null {
  const header = named(headers.get(END_USER_HEADER), END_USER_HEADER);
  if (header) return header;
  const fields = body as { user?: unknown; metadata?: { user_id?: unknown } | null };
  const user = named(fields.user, "user");
  if (user) return user;
  const metadata = fields.metadata;
  return metadata && typeof metadata === "object" ? named(metadata.user_id, "metadata.user_id") : null;
}
