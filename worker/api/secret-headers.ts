// Headers the gateway sends to a server a tenant configured (an MCP server's credentials, an
// OTLP collector's API key): validated, stored AES-GCM encrypted, and shown only by name.
import * as z from "zod";
import { decryptSecret, encryptSecret } from "../core/security/secrets.ts";

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** At most 16 headers; `reserved`: names the gateway sets itself (lowercase). */
export const secretHeaders = (reserved: ReadonlySet<string>) =>
  z
    .record(
      z
        .string()
        .regex(HEADER_NAME, "A header name.")
        .refine((h) => !reserved.has(h.toLowerCase()), "The gateway sets this header itself."),
      z
        .string()
        .min(1)
        .max(4096)
        .regex(/^[^\r\n]*$/, "No line breaks."),
    )
    .refine((h) => Object.keys(h).length <= 16, "At most 16 headers.");

/** The headers sealed for storage; none: null. */
export async function sealHeaders(secretsKey: string, value: Record<string, string> | null): Promise<string | null> {
  return value === null || Object.keys(value).length === 0 ? null : encryptSecret(secretsKey, JSON.stringify(value));
}

/** The names of sealed headers (never the values); null when there are none or they cannot be opened. */
export async function openHeaderNames(secretsKey: string, sealed: string | null): Promise<string[] | null> {
  if (!sealed) return null;
  try {
    return Object.keys(JSON.parse(await decryptSecret(secretsKey, sealed)) as Record<string, string>);
  } catch {
    return null;
  }
}
