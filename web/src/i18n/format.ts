import { locale } from "./index";

// Display-only formatting; amounts stay integer micro-dollars everywhere else.

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

export function formatRelative(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Number.isNaN(seconds)) return iso;
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return format.format(Math.trunc(seconds / size), unit);
  }
  return iso;
}

export const formatNumber = (value: number): string => new Intl.NumberFormat(locale()).format(value);

/** Integer micro-dollars as money, e.g. 1_250_000 → "$1.25". */
export function formatMicros(micros: number, currency = "usd"): string {
  const dollars = micros / 1_000_000;
  const digits = Math.abs(micros) % 10_000 === 0 ? 2 : 6;
  return new Intl.NumberFormat(locale(), {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(dollars);
}

/** Money for a tile: cents from a dollar up, 4 decimals below (6 below a hundredth of a cent). */
export function formatMoneyBrief(micros: number, currency = "usd"): string {
  const abs = Math.abs(micros);
  const digits = micros === 0 || abs >= 1_000_000 ? 2 : abs >= 100 ? 4 : 6;
  return new Intl.NumberFormat(locale(), {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(micros / 1_000_000);
}

/** Dollars (a chart's axis, display only) with at most 4 decimals: "$0.0012". */
export function formatDollars(dollars: number, currency = "usd"): string {
  return new Intl.NumberFormat(locale(), {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.abs(dollars) >= 1 || dollars === 0 ? 2 : 4,
  }).format(dollars);
}

/** 1234567 → "1.2M" (axis labels, tiles). */
export const formatCompact = (value: number): string => new Intl.NumberFormat(locale(), { notation: "compact", maximumFractionDigits: 1 }).format(value);

/** A ratio as a percentage: 0.0512 → "5.1%"; null → "—". */
export function formatPercent(ratio: number | null, digits = 1): string {
  if (ratio === null || !Number.isFinite(ratio)) return "—";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(ratio);
}

export const formatMs = (ms: number | null): string => (ms === null ? "—" : `${formatNumber(ms)} ms`);

/** A moment on a time axis, as precise as the interval needs. */
export function formatTick(ms: number, interval: "minute" | "hour" | "day", spanMs: number): string {
  const options: Intl.DateTimeFormatOptions =
    interval === "day"
      ? { month: "short", day: "numeric" }
      : spanMs > 86_400_000
        ? { month: "short", day: "numeric", hour: "2-digit" }
        : { hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale(), options).format(new Date(ms));
}
