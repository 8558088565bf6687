import { formatDateTime } from "../../i18n/format";

/** A logged column value for people: timestamps (…At, epoch ms) as dates, the rest as JSON. */
export function formatValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (/At$/.test(field) && typeof value === "number") return formatDateTime(new Date(value).toISOString());
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}
