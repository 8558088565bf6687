// Loop stop: every upstream request carries x-aggregator-hops (the incoming count plus one), so
// a provider whose base URL leads back to a gateway (this one, or another installation that
// leads back here) shows up as a growing count, and the call is refused at MAX_HOPS instead of
// multiplying itself until every isolate on the way times out.
import { createMiddleware } from "hono/factory";
import { AppError } from "../core/errors.ts";
import type { AppEnv } from "../env.ts";

export const HOP_HEADER = "x-aggregator-hops";
export const MAX_HOPS = 3;

/** The incoming count; a missing or unreadable value is 0, repeated values count as the largest. */
export function incomingHops(value: string | undefined): number {
  const counts = (value ?? "").split(",").map((part) => (/^\s*\d{1,6}\s*$/.test(part) ? Number(part) : 0));
  return Math.max(0, ...counts);
}

export const refuseLoops = createMiddleware<AppEnv>(async (c, next) => {
  const hops = incomingHops(c.req.header(HOP_HEADER));
  if (hops >= MAX_HOPS) {
    throw new AppError(
      "loop_detected",
      `This call has already passed through an AI gateway ${hops} times: a provider's base_url leads back to the gateway. Point it at the provider itself.`,
      {
        code: "loop_detected",
      },
    );
  }
  c.set("upstreamHops", hops + 1);
  await next();
});
