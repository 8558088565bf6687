// One media call to one target, through its kind's media adapter (mediaPlan has kept only
// targets whose kind serves the endpoint), and its JSON answer read.
import type { PlannedTarget } from "../plan.ts";
import type { MediaEndpoint } from "../providers/descriptor.ts";
import { adapterFor } from "../providers/index.ts";
import type { CallOptions } from "../providers/types.ts";
import { UpstreamError, upstreamJson } from "../upstream.ts";

export function mediaAttempt(endpoint: MediaEndpoint, body: Record<string, unknown> | FormData) {
  return (target: PlannedTarget, options: CallOptions): Promise<Response> => {
    const media = adapterFor(target.provider).media;
    if (!media) throw new UpstreamError("protocol", `no ${endpoint} endpoint`);
    return media.call(target.target, { endpoint, body }, options);
  };
}

/** The same, its answer a JSON object. */
export function mediaJsonAttempt<T extends object>(endpoint: MediaEndpoint, body: Record<string, unknown> | FormData) {
  const attempt = mediaAttempt(endpoint, body);
  return async (target: PlannedTarget, options: CallOptions): Promise<T> => {
    const answer = await upstreamJson<unknown>(await attempt(target, options));
    if (typeof answer !== "object" || answer === null || Array.isArray(answer))
      throw new UpstreamError("protocol", "upstream sent a body that is not a JSON object");
    return answer as T;
  };
}
