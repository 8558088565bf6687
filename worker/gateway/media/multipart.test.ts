import { describe, expect, it } from "vitest";
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { MiB } from "../../core/body-limits.ts";
import { formFields, formFile, formFiles, formNumber, readForm } from "./multipart.ts";

const formRequest = (form: FormData, headers: Record<string, string> = {}) => new Request("http://x/", { method: "POST", body: form, headers });

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a refusal");
}

describe("readForm", () => {
  it("reads fields and files", async () => {
    const form = new FormData();
    form.set("model", "m");
    form.set("n", "2");
    form.append("image[]", new File(["a"], "a.png"));
    form.append("image[]", new File(["bb"], "b.png"));
    const read = await readForm(formRequest(form), MiB);
    expect(formFields(read, z.object({ model: z.string(), n: formNumber(z.int().max(10)) }))).toEqual({ model: "m", n: 2 });
    expect(formFiles(read, ["image", "image[]"], 4).map((f) => f.size)).toEqual([1, 2]);
  });

  it("refuses what is not multipart, and a body past the cap whether or not it declares its length", async () => {
    expect((await refusal(readForm(new Request("http://x/", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }), MiB))).code).toBe(
      "invalid_content_type",
    );
    const form = new FormData();
    form.set("file", new File([new Uint8Array(2 * MiB)], "big.bin"));
    const declared = formRequest(form);
    expect((await refusal(readForm(declared, MiB))).status).toBe(413);
    // A chunked body with no content-length is counted as it streams.
    const body = await formRequest(form).arrayBuffer();
    const type = formRequest(form).headers.get("content-type")!;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.byteLength; i += 64 * 1024) controller.enqueue(new Uint8Array(body.slice(i, i + 64 * 1024)));
        controller.close();
      },
    });
    const chunked = new Request("http://x/", { method: "POST", body: stream, headers: { "content-type": type }, duplex: "half" } as RequestInit);
    expect((await refusal(readForm(chunked, MiB))).status).toBe(413);
  });

  it("refuses a body that does not parse", async () => {
    const bad = new Request("http://x/", { method: "POST", body: "--nope\r\ngarbage", headers: { "content-type": "multipart/form-data; boundary=abc" } });
    expect((await refusal(readForm(bad, MiB))).code).toBe("invalid_multipart");
  });

  it("names a missing, empty or surplus file", async () => {
    const form = new FormData();
    form.set("file", new File([], "empty.wav"));
    form.set("text", "not a file");
    expect((await refusal(() => formFile(form, "nofile"))).code).toBe("missing_file");
    expect((await refusal(() => formFile(form, "text"))).param).toBe("text");
    expect((await refusal(() => formFile(form, "file"))).code).toBe("invalid_file");
    form.append("image", new File(["1"], "1.png"));
    form.append("image", new File(["2"], "2.png"));
    expect((await refusal(() => formFiles(form, ["image"], 1))).code).toBe("invalid_value");
  });
});
