// The API speaks ISO 8601; the database stores epoch milliseconds.
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** The start of `now`'s calendar month in UTC, where monthly budgets and spend reset. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
