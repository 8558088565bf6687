// Image generation on Gemini's REST API: Imagen's `:predict` (instances of a prompt, a sample
// count and an aspect ratio), answered as OpenAI's images answer. Imagen has no edits endpoint here.
import { AppError } from "../../../core/errors.ts";
import { nowSeconds } from "../../translate/common.ts";
import { UpstreamError, upstreamFetch, upstreamJson } from "../../upstream.ts";
import { jsonRequest } from "../http.ts";
import type { MediaAdapter } from "../types.ts";
import { GEMINI_WIRE } from "./wire.ts";

const ASPECT_RATIOS = ["1:1", "3:4", "4:3", "9:16", "16:9"] as const;

/** The aspect ratio Imagen draws nearest to an OpenAI size (`1024x1792` → 9:16). */
export function aspectRatioOf(size: unknown): (typeof ASPECT_RATIOS)[number] {
  const m = typeof size === "string" ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (!m) return "1:1";
  const wanted = Math.log(Number(m[1]) / Number(m[2]));
  const ratio = (r: string) => {
    const [w, h] = r.split(":").map(Number) as [number, number];
    return Math.abs(Math.log(w / h) - wanted);
  };
  return [...ASPECT_RATIOS].sort((a, b) => ratio(a) - ratio(b))[0]!;
}

interface PredictAnswer {
  predictions?: { bytesBase64Encoded?: string; mimeType?: string }[];
}

export const geminiImages: MediaAdapter = {
  serves: (endpoint) => endpoint === "images",
  async call(target, { body }, options) {
    if (body instanceof FormData)
      throw new AppError("invalid_request", "Gemini has no image edits endpoint.", { code: "unsupported_endpoint", param: "model" });
    const request = { instances: [{ prompt: body.prompt }], parameters: { sampleCount: body.n ?? 1, aspectRatio: aspectRatioOf(body.size) } };
    const answer = await upstreamJson<PredictAnswer>(await upstreamFetch(jsonRequest(GEMINI_WIRE, target, "images", request, options)));
    if (!Array.isArray(answer.predictions)) throw new UpstreamError("protocol", "upstream sent no predictions");
    const data = answer.predictions.flatMap((p) =>
      p.bytesBase64Encoded
        ? [body.response_format === "url" ? { url: `data:${p.mimeType ?? "image/png"};base64,${p.bytesBase64Encoded}` } : { b64_json: p.bytesBase64Encoded }]
        : [],
    );
    return new Response(JSON.stringify({ created: nowSeconds(), data }), { headers: { "content-type": "application/json" } });
  },
};
