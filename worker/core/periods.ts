// Budget periods: where a daily, weekly (Monday) or monthly period starts in the tenant's time
// zone, as epoch ms. Every zone's offset is a whole number of 15-minute steps, so these starts
// are the same instants whichever isolate computes them.

export const BUDGET_PERIODS = ["daily", "weekly", "monthly", "total"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `name` is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  if (name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of `at` in `timeZone`. */
function wallClock(at: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(at))
      .map((p) => [p.type, Number(p.value)]),
  );
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at `at`, in ms (east positive). */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/** The instant the wall-clock date (year, month, day) begins in `timeZone`. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  // The offset at the guess, then at the corrected instant: right across a DST change too.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** When the period holding `now` began in `timeZone`; 0 for `total`. */
export function periodStart(now: number, period: BudgetPeriod, timeZone: string): number {
  if (period === "total") return 0;
  const w = wallClock(now, timeZone);
  if (period === "monthly") return localMidnight(w.year, w.month, 1, timeZone);
  const today = localMidnight(w.year, w.month, w.day, timeZone);
  if (period === "daily") return today;
  const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7; // Monday 0
  const monday = new Date(Date.UTC(w.year, w.month - 1, w.day - weekday));
  return localMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone);
}

/** The start of the day holding `now` in `timeZone`: spend is kept per such day. */
export function dayStart(now: number, timeZone: string): number {
  return periodStart(now, "daily", timeZone);
}
