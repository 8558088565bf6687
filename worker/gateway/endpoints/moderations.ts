// POST /v1/moderations: OpenAI's shape, to any provider whose kind moderates. Billed per call
// (most price it at 0: free, but still counted and rate limited); the same input gives the same
// answer, so the response cache may keep it.
import * as z from "zod";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint } from "../call.ts";
import { mediaJsonAttempt } from "../media/attempt.ts";
import { mediaPlan } from "../media/plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { countTokens } from "../tokens.ts";
import { type MeteredUnits, unitUsage } from "../types.ts";

/** OpenAI's default when a request names no model. */
const DEFAULT_MODEL = "omni-moderation-latest";
const MAX_INPUTS = 32;

const part = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string().max(100_000) }),
  z.looseObject({ type: z.literal("image_url"), image_url: z.looseObject({ url: z.string().min(1).max(20_000_000) }) }),
]);

export const moderationRequest = z.looseObject({
  model: z.string().min(1).max(256).default(DEFAULT_MODEL),
  input: z.union([z.string().max(100_000), z.array(z.string().max(100_000)).min(1).max(MAX_INPUTS), z.array(part).min(1).max(MAX_INPUTS)]),
});

const textOf = (input: z.output<typeof moderationRequest>["input"]): string =>
  typeof input === "string" ? input : input.map((p) => (typeof p === "string" ? p : p.type === "text" ? p.text : "")).join("\n");

export const moderations = endpoint<Record<string, unknown>>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, moderationRequest);
  const units: MeteredUnits = { kind: "request", count: 1 };
  return {
    endpoint: "moderations",
    model: body.model,
    body,
    size: { promptTokens: countTokens(textOf(body.input)), promptBound: promptTokenBound(text, bytes), maxOutput: 0, units },
    refuseUnpriced: false,
    cacheable: true,
    narrow: mediaPlan("moderations", units),
    stream: false,
    attempt: mediaJsonAttempt<Record<string, unknown>>("moderations", body),
    render: (answer) => ({ text: JSON.stringify({ ...answer, model: body.model }), usage: unitUsage("request", 1) }),
  };
});
