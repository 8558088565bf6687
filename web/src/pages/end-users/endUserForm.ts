import type { ResponseOf } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { type ScopeLimitErrors, type ScopeLimitValues, scopeLimitsFrom, validateScopeLimits } from "../../components/modelLimits";

// Mirrors worker/api/end-users.ts: a name of 1 to 128 printable characters, limits as
// worker/api/limit-fields.ts has them (components/modelLimits.ts).
export type EndUser = ResponseOf<"/api/end-users", "get">["data"][number];

const END_USER_MAX = 128;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface EndUserFormValues {
  /** Typed only for a user not in the list yet. */
  name: string;
  limits: ScopeLimitValues;
}

export interface EndUserErrors {
  name?: MessageKey;
  limits?: ScopeLimitErrors;
}

/** The user's own limits; without them, the defaults that apply now, as a starting point. */
export const endUserFormFrom = (user: EndUser | null): EndUserFormValues => ({
  name: user?.end_user ?? "",
  limits: scopeLimitsFrom(user ? (user.own_limits ?? user.limits) : null),
});

export const isEndUserName = (name: string): boolean => name.length >= 1 && name.length <= END_USER_MAX && !CONTROL.test(name);

export function validateEndUser(v: EndUserFormValues): EndUserErrors {
  const errors: EndUserErrors = {};
  if (!isEndUserName(v.name.trim())) errors.name = "endUsers.form.nameInvalid";
  const limits = validateScopeLimits(v.limits);
  if (Object.keys(limits).length > 0) errors.limits = limits;
  return errors;
}
