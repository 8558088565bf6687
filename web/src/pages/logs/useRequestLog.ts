import { useCallback, useEffect, useState } from "preact/hooks";
import { listRequests } from "../../api/requests";
import type { RequestQuery, RequestRow } from "../../api/types";

export const PAGE_SIZE = 50;

/** What the filter form holds: '' for "any". */
export interface LogFilters {
  last: string;
  status: string;
  model: string;
  key_id: string;
  provider: string;
  endpoint: string;
  end_user: string;
  search: string;
  min_cost_micros: string;
  max_latency_ms: string;
}

export const NO_FILTERS: LogFilters = {
  last: "24h",
  status: "",
  model: "",
  key_id: "",
  provider: "",
  endpoint: "",
  end_user: "",
  search: "",
  min_cost_micros: "",
  max_latency_ms: "",
};

const TEXT_FIELDS = ["status", "model", "key_id", "provider", "endpoint", "end_user"] as const;

/** The API query for the filters: a search that looks like a request id or a trace id finds exactly that call. */
export function toQuery(filters: LogFilters, cursor?: string): RequestQuery {
  const query: RequestQuery = { limit: PAGE_SIZE };
  const search = filters.search.trim();
  if (search.startsWith("req_")) query.request_id = search;
  else if (/^[0-9a-f]{32}$/.test(search)) query.trace_id = search;
  else if (filters.last) query.last = filters.last;
  for (const field of TEXT_FIELDS) {
    const value = filters[field].trim();
    if (value) query[field] = value;
  }
  if (/^\d+$/.test(filters.min_cost_micros)) query.min_cost_micros = Number(filters.min_cost_micros);
  if (/^\d+$/.test(filters.max_latency_ms)) query.max_latency_ms = Number(filters.max_latency_ms);
  if (cursor) query.cursor = cursor;
  return query;
}

/** The filtered log, newest first, grown page by page; `refresh` reloads the first page (live tail). */
export function useRequestLog(filters: LogFilters) {
  const [rows, setRows] = useState<RequestRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  const fetchPage = useCallback(
    async (after: string | undefined, signal?: AbortSignal) => {
      setLoading(true);
      setError(null);
      try {
        const page = await listRequests(toQuery(filters, after), signal);
        if (signal?.aborted) return;
        setRows((list) => (after ? [...list, ...page.data] : page.data));
        setCursor(page.next_cursor);
      } catch (err) {
        if (!signal?.aborted) setError(err);
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [filters],
  );

  useEffect(() => {
    const controller = new AbortController();
    void fetchPage(undefined, controller.signal);
    return () => controller.abort();
  }, [fetchPage, generation]);

  return {
    rows,
    loading,
    error,
    hasMore: cursor !== null,
    loadMore: () => cursor && void fetchPage(cursor),
    refresh: () => setGeneration((g) => g + 1),
  };
}
