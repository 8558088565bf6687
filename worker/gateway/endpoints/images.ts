// POST /v1/images/generations and /v1/images/edits: OpenAI's shape, to any provider whose kind
// draws images. Billed per image by size and quality, or by the tokens the provider reports
// (gpt-image); admission reserves the larger of the two for as many images as asked for.
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint, type JsonAnswer } from "../call.ts";
import { mediaJsonAttempt } from "../media/attempt.ts";
import { formFields, formFiles, formNumber, readForm } from "../media/multipart.ts";
import { mediaPlan } from "../media/plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import type { MediaEndpoint } from "../providers/descriptor.ts";
import { countTokens } from "../tokens.ts";
import { type MeteredUnits, tokenCount, type Usage, unitUsage } from "../types.ts";
import { withUsageCost } from "../usage-cost.ts";

const MAX_IMAGES = 10;
/** The most tokens one image can bill (gpt-image-1, 1536×1024 at high quality or input fidelity). */
const MAX_IMAGE_TOKENS = 6240;
const MAX_EDIT_IMAGES = 16;

const SIZE = /^(auto|\d{2,5}x\d{2,5})$/;
const imageOptions = {
  model: z.string().min(1).max(256),
  prompt: z.string().min(1).max(32_000),
  size: z.string().regex(SIZE, "Use auto or <width>x<height>, e.g. 1024x1024.").optional(),
  quality: z.enum(["auto", "standard", "hd", "low", "medium", "high"]).optional(),
  response_format: z.enum(["url", "b64_json"]).optional(),
  user: z.string().max(256).optional(),
};

export const generationRequest = z.looseObject({
  ...imageOptions,
  n: z.int().min(1).max(MAX_IMAGES).optional(),
  stream: z.literal(false, "Streamed image generation is not supported; leave stream out.").optional(),
});

const editFields = z.looseObject({ ...imageOptions, n: formNumber(z.int().min(1).max(MAX_IMAGES)).optional() });

interface ImagesAnswer {
  created?: number;
  data?: unknown[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

/** The price tier of an image: `<size>/<quality>`, or `<size>` at the default quality. */
function tierOf(size: string | undefined, quality: string | undefined): string {
  const s = size && size !== "auto" ? size : "1024x1024";
  return quality && quality !== "auto" && quality !== "standard" ? `${s}/${quality}` : s;
}

interface ImageCall {
  endpoint: MediaEndpoint;
  model: string;
  prompt: string;
  n: number;
  tier: string;
  /** The request as the cache, the end user and the log see it (a form's text fields). */
  fields: Record<string, unknown>;
  body: Record<string, unknown> | FormData;
  promptBound: number;
}

function imageCall(call: ImageCall) {
  const units: MeteredUnits = { kind: "image", count: call.n, tier: call.tier };
  return {
    endpoint: call.endpoint === "images" ? "images.generations" : "images.edits",
    model: call.model,
    body: call.fields,
    size: { promptTokens: countTokens(call.prompt), promptBound: call.promptBound, maxOutput: call.n * MAX_IMAGE_TOKENS, units },
    refuseUnpriced: false,
    narrow: mediaPlan(call.endpoint, units),
    stream: false as const,
    attempt: mediaJsonAttempt<ImagesAnswer>(call.endpoint, call.body),
    render: (answer: ImagesAnswer) => render(answer, call.tier),
    withCost: withUsageCost,
  };
}

/** Billed per image returned, or by the tokens the provider reported (cost.ts picks by the price). */
function render(answer: ImagesAnswer, tier: string): JsonAnswer {
  if (!Array.isArray(answer.data)) throw new AppError("upstream", "The provider sent an image answer without data.", { code: "upstream_error" });
  const usage: Usage = unitUsage("image", answer.data.length, tier);
  if (answer.usage) {
    usage.inputTokens = tokenCount(answer.usage.input_tokens);
    usage.outputTokens = tokenCount(answer.usage.output_tokens);
  }
  return { text: JSON.stringify(answer), usage };
}

export const imageGenerations = endpoint<ImagesAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, generationRequest);
  const n = body.n ?? 1;
  return imageCall({
    endpoint: "images",
    model: body.model,
    prompt: body.prompt,
    n,
    tier: tierOf(body.size, body.quality),
    fields: body,
    body,
    promptBound: promptTokenBound(text, bytes),
  });
});

export const imageEdits = endpoint<ImagesAnswer>(async (c) => {
  const form = await readForm(c.req.raw);
  const fields = formFields(form, editFields);
  const images = formFiles(form, ["image", "image[]"], MAX_EDIT_IMAGES);
  if (images.length === 0) throw new AppError("invalid_request", "'image' must be one image file or more.", { code: "missing_file", param: "image" });
  for (const file of [...images, ...formFiles(form, ["mask"], 1)]) await checkImageFile(file);
  const prompt = new TextEncoder().encode(fields.prompt);
  return imageCall({
    endpoint: "image_edits",
    model: fields.model,
    prompt: fields.prompt,
    n: fields.n ?? 1,
    tier: tierOf(fields.size, fields.quality),
    fields,
    body: form,
    // Input images bill as tokens where the provider counts them, each no more than an output image.
    promptBound: promptTokenBound(fields.prompt, prompt.byteLength) + images.length * MAX_IMAGE_TOKENS,
  });
});

const IMAGE_SIGNATURES: [string, number[]][] = [
  ["png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["jpeg", [0xff, 0xd8, 0xff]],
  ["webp", [0x52, 0x49, 0x46, 0x46]],
];

/** A PNG, JPEG or WebP by its first bytes, whatever its name says. */
async function checkImageFile(file: File): Promise<void> {
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const known = IMAGE_SIGNATURES.some(([kind, signature]) => signature.every((b, i) => head[i] === b) && (kind !== "webp" || isWebp(head)));
  if (!known)
    throw new AppError("invalid_request", `'${file.name.slice(0, 128)}' is not a PNG, JPEG or WebP image.`, { code: "invalid_image_format", param: "image" });
}

const isWebp = (head: Uint8Array) => String.fromCharCode(...head.slice(8, 12)) === "WEBP";
