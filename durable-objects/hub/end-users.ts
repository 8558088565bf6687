// Per end user and UTC day: the sums behind D1's end_user_rollups (the report's "top users").
// Only events that name an end user count. As with the minute rollups, the hub stores the
// flushed absolutes and a flush round writes stored + the round's events (store.ts, flush.ts).
import { isError } from "../../worker/core/sums.ts";
import { LOG_COLUMNS, type LogTuple } from "./event.ts";
import { count, label } from "./pending.ts";

export const DAY_MS = 24 * 3600_000;
export const dayOf = (ms: number): number => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);

export interface EndUserKey {
  day: number;
  endUser: string;
}

export interface EndUserRollup extends EndUserKey {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  /** The newest event's created_at. */
  lastSeenAt: number;
}

export const endUserKeyOf = (k: EndUserKey): string => JSON.stringify([k.day, k.endUser]);

export const emptyEndUserRollup = (k: EndUserKey): EndUserRollup => ({
  day: k.day,
  endUser: k.endUser,
  requests: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
  lastSeenAt: 0,
});

const at = (column: (typeof LOG_COLUMNS)[number]): number => LOG_COLUMNS.indexOf(column);
const [END_USER, STATUS, INPUT, OUTPUT, COST, CREATED] = (["end_user", "status", "input_tokens", "output_tokens", "cost_micros", "created_at"] as const).map(
  at,
) as [number, number, number, number, number, number];

/** `a` plus `b`, for the same key; the last seen is the later one. */
export function addEndUser(a: EndUserRollup, b: EndUserRollup): EndUserRollup {
  return {
    day: a.day,
    endUser: a.endUser,
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costMicros: a.costMicros + b.costMicros,
    lastSeenAt: Math.max(a.lastSeenAt, b.lastSeenAt),
  };
}

/** The events that name an end user, summed per (day, end user). */
export function sumByEndUser(tuples: Iterable<LogTuple>): EndUserRollup[] {
  const byKey = new Map<string, EndUserRollup>();
  for (const t of tuples) {
    const endUser = label(t[END_USER]);
    if (endUser === "") continue;
    const createdAt = count(t[CREATED]);
    const key = { day: dayOf(createdAt), endUser };
    const id = endUserKeyOf(key);
    const event: EndUserRollup = {
      ...key,
      requests: 1,
      errors: isError(count(t[STATUS])) ? 1 : 0,
      inputTokens: count(t[INPUT]),
      outputTokens: count(t[OUTPUT]),
      costMicros: count(t[COST]),
      lastSeenAt: createdAt,
    };
    byKey.set(id, addEndUser(byKey.get(id) ?? emptyEndUserRollup(key), event));
  }
  return [...byKey.values()];
}
