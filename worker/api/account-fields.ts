// Fields and answers shared by the sign-up and invitation flows.
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../core/security/passwords.ts";

/** Trimmed and lower-cased before the format check, so `Ann@X.com ` is `ann@x.com`. */
export const emailField = z.string().trim().toLowerCase().max(254).check(z.regex(z.regexes.email, "Invalid email address")).meta({ format: "email" });

export const newPassword = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);
export const displayName = z.string().trim().min(1).max(100);

export const emailTaken = () => new AppError("conflict", "An account with this email already exists.", { code: "email_taken", param: "email" });
