import type * as z from "zod";
import { AppError } from "./errors.ts";

/** Reads a JSON body and validates it; any failure is a 400 that names the field at fault. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  return (await readSizedJson(request, schema)).body;
}

const decoder = new TextDecoder();

/** readJson, with the body's size in UTF-8 bytes (what a prompt's token bound is taken from). */
export async function readSizedJson<S extends z.ZodType>(request: Request, schema: S): Promise<{ body: z.output<S>; bytes: number; text: string }> {
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new AppError("invalid_request", "Content-Type must be application/json.", { code: "invalid_content_type" });
  }
  let body: unknown;
  let bytes = 0;
  let text = "";
  try {
    const raw = await request.arrayBuffer();
    bytes = raw.byteLength;
    text = decoder.decode(raw);
    // An empty body is an empty object: the schema then names what is missing.
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("invalid_request", "The request body is not valid JSON.", { code: "invalid_json" });
  }
  return { body: validate(body, schema), bytes, text };
}

export function validate<S extends z.ZodType>(value: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.length ? issue.path.join(".") : undefined;
  const message = issue ? (param ? `Invalid '${param}': ${issue.message}` : issue.message) : "Invalid request.";
  throw new AppError("invalid_request", message, { code: "invalid_request", ...(param ? { param } : {}) });
}
