// Reading a multipart/form-data upload (image edits, transcriptions, batch files): its size
// counted as it streams in and refused past the endpoint's cap before it is all held, its text
// fields checked against a schema, its files named. Errors in OpenAI's shape (the app renders).
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { validate } from "../../core/validation.ts";

import { bodyLimitFor, MiB } from "../../core/body-limits.ts";

const tooLarge = (maxBytes: number) =>
  new AppError("payload_too_large", `The upload is larger than ${Math.round(maxBytes / MiB)} MiB.`, { code: "request_too_large" });

/** The request's form; 400 when it is not multipart/form-data or does not parse, 413 past `maxBytes` (by default its path's body limit). */
export async function readForm(request: Request, maxBytes = bodyLimitFor(new URL(request.url).pathname)): Promise<FormData> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(type)) {
    throw new AppError("invalid_request", "Content-Type must be multipart/form-data (with a boundary).", { code: "invalid_content_type" });
  }
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) throw new AppError("invalid_request", "The request has no body.", { code: "invalid_multipart" });
  let seen = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await new Request("http://form.invalid/", { method: "POST", headers: { "content-type": type }, body: counted }).formData();
  } catch {
    if (seen > maxBytes) throw tooLarge(maxBytes);
    throw new AppError("invalid_request", "The multipart body does not parse.", { code: "invalid_multipart" });
  }
}

/** The form's text fields (the first of each name) checked against `schema`; a file where text belongs is a 400. */
export function formFields<S extends z.ZodType>(form: FormData, schema: S): z.output<S> {
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value === "string" && !(name in fields)) fields[name] = value;
  }
  return validate(fields, schema);
}

/** The files sent under `names` (e.g. `image` and `image[]`), at most `max`. */
export function formFiles(form: FormData, names: readonly string[], max: number): File[] {
  const files = names.flatMap((n) => form.getAll(n)).filter((v): v is File => typeof v !== "string");
  if (files.length > max) throw new AppError("invalid_request", `At most ${max} files in '${names[0]}'.`, { code: "invalid_value", param: names[0] });
  return files;
}

/** The one file sent as `name`; 400 when there is none or it is empty. */
export function formFile(form: FormData, name: string): File {
  const value = form.get(name);
  if (value === null || typeof value === "string") throw new AppError("invalid_request", `'${name}' must be a file.`, { code: "missing_file", param: name });
  if (value.size === 0) throw new AppError("invalid_request", `'${name}' is empty.`, { code: "invalid_file", param: name });
  return value;
}

/** A numeric form field (forms carry text). */
export const formNumber = (schema: z.ZodNumber) => z.coerce.number().pipe(schema);
