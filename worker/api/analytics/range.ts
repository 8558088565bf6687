// The time range every analytics read takes: `from`/`to` instants or `last` (a span ending now),
// checked once here so the report and the export agree on what a range is.
import * as z from "zod";
import { AppError } from "../../core/errors.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const INTERVALS = { minute: MINUTE, hour: HOUR, day: DAY } as const;
export type Interval = keyof typeof INTERVALS;
export const MAX_RANGE_MS = 400 * DAY;

const instant = z
  .union([z.string().regex(/^\d{10,15}$/), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .describe("ISO 8601 date or date-time, or epoch milliseconds");

const UNIT_MS = { m: MINUTE, h: HOUR, d: DAY } as const;
const duration = z
  .string()
  .regex(/^\d{1,6}[mhd]$/, "Use a number and m, h or d, e.g. 15m, 24h, 30d.")
  .transform((v) => Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS])
  .describe("A range ending now, e.g. 15m, 24h, 30d (instead of from)");

export const rangeFields = {
  from: instant.optional(),
  to: instant.optional().describe("Exclusive; default now"),
  last: duration.optional(),
};

export const tokenField = z.string().max(4096).optional().describe("A read token (POST /api/analytics/tokens), for clients that cannot set headers");

export interface RangeQuery {
  from?: number | undefined;
  to?: number | undefined;
  last?: number | undefined;
}

export function resolveRange(q: RangeQuery, now: number, defaultSpan: number): { from: number; to: number } {
  if (q.from !== undefined && q.last !== undefined) throw new AppError("invalid_request", "Send either 'from' or 'last', not both.", { param: "last" });
  const to = q.to ?? now;
  const from = q.from ?? to - (q.last ?? defaultSpan);
  if (!(from < to)) throw new AppError("invalid_request", "'from' must be before 'to'.", { param: "from" });
  if (to - from > MAX_RANGE_MS) throw new AppError("invalid_request", `The range may span at most ${MAX_RANGE_MS / DAY} days.`, { param: "from" });
  return { from, to };
}

export const floorTo = (ms: number, step: number) => ms - (((ms % step) + step) % step);

export function autoInterval(span: number): Interval {
  if (span <= 6 * HOUR) return "minute";
  if (span <= 14 * DAY) return "hour";
  return "day";
}
