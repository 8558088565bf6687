// Which of a call's targets may answer a media call: those whose kind serves the endpoint and,
// on the operator's providers, that have a price in the call's unit. Token prices alone are not
// enough where the provider may report no tokens (an image, a transcript): that answer would
// cost nothing. Rerank always has tokens to bill (ours when the host counts none).
import { AppError } from "../../core/errors.ts";
import { unitPrice } from "../cost.ts";
import type { CallPlan, PlannedTarget } from "../plan.ts";
import type { MediaEndpoint } from "../providers/descriptor.ts";
import { adapterFor } from "../providers/index.ts";
import type { MeteredUnits } from "../types.ts";

const WHAT: Record<MediaEndpoint, string> = {
  images: "image generation",
  image_edits: "image edit",
  speech: "speech",
  transcriptions: "transcription",
  translations: "translation",
  moderations: "moderation",
  rerank: "rerank",
};

export const servesMedia = (t: PlannedTarget, endpoint: MediaEndpoint): boolean => adapterFor(t.provider).media?.serves(endpoint) ?? false;

/** Whether the call can be billed at the target's price: by its units, or by tokens it always has. */
function priced(t: PlannedTarget, units: MeteredUnits, tokensBilled: boolean): boolean {
  if (t.provider.tenantId !== null) return true;
  if (!t.price) return false;
  return unitPrice(units, t.price) !== null || (tokensBilled && (t.price.inputPerMTokMicros > 0 || t.price.outputPerMTokMicros > 0));
}

/**
 * The plan narrowed to the targets that can answer; a 400 naming why when none can.
 * `tokensBilled`: the call always has tokens to bill when its unit has no price.
 */
export const mediaPlan =
  (endpoint: MediaEndpoint, units: MeteredUnits, tokensBilled = false) =>
  (plan: CallPlan): CallPlan => {
    const serving = plan.targets.filter((t) => servesMedia(t, endpoint));
    const first = plan.targets[0]?.name ?? "";
    if (serving.length === 0) {
      throw new AppError("invalid_request", `'${first.slice(0, 256)}' has no ${WHAT[endpoint]} endpoint.`, { code: "unsupported_endpoint", param: "model" });
    }
    const targets = serving.filter((t) => priced(t, units, tokensBilled));
    if (targets.length === 0) {
      const unit = units.tier ? `${units.kind.replace("_", " ")} (${units.tier})` : units.kind.replace("_", " ");
      throw new AppError(
        "invalid_request",
        `The model '${first.slice(0, 256)}' has no price per ${unit}, so it cannot be called for ${WHAT[endpoint]}. Ask the platform operator to price it.`,
        { code: "model_not_priced", param: "model" },
      );
    }
    return { ...plan, targets };
  };
