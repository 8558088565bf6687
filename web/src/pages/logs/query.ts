// The explorer's filters as the form holds them, and as the API's query.
import type { RequestQuery, RequestRow } from "../../api/types";
import { parseDollarsToMicros } from "../../lib/money";

export const PAGE_SIZE = 50;

/** The time presets; "custom" uses `from` and `to`. */
export const RANGES = ["15m", "1h", "24h", "7d", "30d", "custom"] as const;

/** What the filter form holds: '' for "any". */
export interface LogFilters {
  /** One of RANGES. */
  last: string;
  /** datetime-local values (custom range), '' for open-ended. */
  from: string;
  to: string;
  status: string;
  model: string;
  key_id: string;
  provider: string;
  endpoint: string;
  end_user: string;
  error_type: string;
  /** A request id (req_…) or a W3C trace id (32 hex digits). */
  search: string;
  /** Dollars, as typed. */
  min_cost: string;
  max_cost: string;
  min_latency_ms: string;
  max_latency_ms: string;
}

export const NO_FILTERS: LogFilters = {
  last: "24h",
  from: "",
  to: "",
  status: "",
  model: "",
  key_id: "",
  provider: "",
  endpoint: "",
  end_user: "",
  error_type: "",
  search: "",
  min_cost: "",
  max_cost: "",
  min_latency_ms: "",
  max_latency_ms: "",
};

const EXACT_FIELDS = ["status", "model", "key_id", "provider", "endpoint", "end_user", "error_type"] as const;
const TRACE_ID = /^[0-9a-f]{32}$/i;

/** A datetime-local value as ISO, or undefined when empty or not a date. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const wholeNumber = (text: string): number | undefined => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

function dollars(text: string): number | undefined {
  if (!text.trim()) return undefined;
  return parseDollarsToMicros(text) ?? undefined;
}

/**
 * The API query for the filters. A search that looks like a request id or a trace id finds
 * exactly that call (whatever the time), so a link or a pasted id always finds its call.
 */
export function toQuery(filters: LogFilters, cursor?: string): RequestQuery {
  const query: RequestQuery = { limit: PAGE_SIZE };
  const search = filters.search.trim();
  if (search.startsWith("req_")) query.request_id = search;
  else if (TRACE_ID.test(search)) query.trace_id = search.toLowerCase();
  else if (filters.last === "custom") {
    const from = isoOf(filters.from);
    const to = isoOf(filters.to);
    if (from) query.from = from;
    if (to) query.to = to;
  } else if (filters.last) query.last = filters.last;
  for (const name of EXACT_FIELDS) {
    const value = filters[name].trim();
    if (value) query[name] = value;
  }
  const numbers = {
    min_cost_micros: dollars(filters.min_cost),
    max_cost_micros: dollars(filters.max_cost),
    min_latency_ms: wholeNumber(filters.min_latency_ms),
    max_latency_ms: wholeNumber(filters.max_latency_ms),
  };
  for (const [name, value] of Object.entries(numbers) as [keyof typeof numbers, number | undefined][]) {
    if (value !== undefined) query[name] = value;
  }
  if (cursor) query.cursor = cursor;
  return query;
}

/** How many of the filters under "More filters" are set (shown on its summary). */
export function advancedCount(filters: LogFilters): number {
  const advanced = ["provider", "endpoint", "end_user", "error_type", "min_cost", "max_cost", "min_latency_ms", "max_latency_ms"] as const;
  return advanced.filter((name) => filters[name].trim() !== "").length;
}

export interface Merged {
  rows: RequestRow[];
  /** How many rows are new. */
  added: number;
  /** The list was replaced by the fresh page (nothing in common): its cursor applies. */
  replaced: boolean;
}

/**
 * A fresh first page put in front of the rows already shown: the calls not seen yet go on top.
 * If the two have nothing in common (more calls came than a page holds, or the old ones left
 * the time window), the fresh page replaces the list, so that "Load more" leaves no gap.
 */
export function mergeNewer(current: readonly RequestRow[], fresh: readonly RequestRow[]): Merged {
  const known = new Set(current.map((row) => row.id));
  const unseen = fresh.filter((row) => !known.has(row.id));
  if (current.length > 0 && unseen.length === fresh.length && fresh.length > 0) return { rows: [...fresh], added: fresh.length, replaced: true };
  return { rows: [...unseen, ...current], added: unseen.length, replaced: false };
}

export type NumberField = "min_cost" | "max_cost" | "min_latency_ms" | "max_latency_ms";
export type FilterErrors = Partial<Record<NumberField | "to", "amount" | "whole" | "range">>;

/** The typed values the API could not take: an amount that is not dollars, a latency not whole, an empty range. */
export function filterErrors(filters: LogFilters): FilterErrors {
  const errors: FilterErrors = {};
  for (const name of ["min_cost", "max_cost"] as const) {
    if (filters[name].trim() && dollars(filters[name]) === undefined) errors[name] = "amount";
  }
  for (const name of ["min_latency_ms", "max_latency_ms"] as const) {
    if (filters[name].trim() && wholeNumber(filters[name]) === undefined) errors[name] = "whole";
  }
  const from = isoOf(filters.from);
  const to = isoOf(filters.to);
  if (filters.last === "custom" && from && to && from >= to) errors.to = "range";
  return errors;
}
