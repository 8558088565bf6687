import type { MessageKey } from "../../i18n";
import { EMAIL } from "../../lib/form";

// Mirrors worker/api/auth.ts: passwords 10–1024 characters, names 1–100.
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 1024;

export type Errors<K extends string> = Partial<Record<K, MessageKey>>;

export function validateRegistration(input: {
  email: string;
  password: string;
  name: string;
  tenantName: string;
}): Errors<"email" | "password" | "name" | "tenantName"> {
  const errors: Errors<"email" | "password" | "name" | "tenantName"> = {};
  if (!EMAIL.test(input.email) || input.email.length > 254) errors.email = "validation.email";
  if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) errors.password = "validation.password";
  if (input.name.length > 100) errors.name = "validation.max100";
  if (input.tenantName.length > 100) errors.tenantName = "validation.max100";
  return errors;
}

export const hasErrors = (errors: object): boolean => Object.keys(errors).length > 0;
