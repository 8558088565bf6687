import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { listRequests } from "../../api/requests";
import type { RequestPage, RequestRow } from "../../api/types";
import { type LogFilters, mergeNewer, toQuery } from "./query";

interface LogState {
  rows: RequestRow[];
  cursor: string | null;
  loading: boolean;
  error: unknown;
  /** Calls the last live refresh added (announced to screen readers). */
  added: number;
}

const INITIAL: LogState = { rows: [], cursor: null, loading: true, error: null, added: 0 };

/**
 * The filtered log, newest first, grown page by page with the API's cursor. `tail` reads the
 * first page again and puts the calls not shown yet on top (the live tail), without a spinner.
 * A change of filters aborts whatever the previous filters still had in flight.
 */
export function useRequestLog(filters: LogFilters) {
  const [state, setState] = useState<LogState>(INITIAL);
  const scope = useRef<AbortController | null>(null);
  const tailing = useRef(false);

  const load = useCallback(
    async (cursor: string | undefined) => {
      const signal = scope.current?.signal;
      setState((s) => ({ ...s, loading: true, error: null, ...(cursor ? {} : { rows: [], cursor: null, added: 0 }) }));
      let page: RequestPage;
      try {
        page = await listRequests(toQuery(filters, cursor), signal);
      } catch (error) {
        if (!signal?.aborted) setState((s) => ({ ...s, loading: false, error }));
        return;
      }
      if (signal?.aborted) return;
      setState((s) => ({ ...s, loading: false, rows: cursor ? [...s.rows, ...page.data] : page.data, cursor: page.next_cursor }));
    },
    [filters],
  );

  useEffect(() => {
    const controller = new AbortController();
    scope.current = controller;
    void load(undefined);
    return () => controller.abort();
  }, [load]);

  const tail = useCallback(async () => {
    const signal = scope.current?.signal;
    if (tailing.current) return;
    tailing.current = true;
    try {
      const page = await listRequests(toQuery(filters), signal);
      if (signal?.aborted) return;
      setState((s) => {
        if (s.loading) return s; // the first page is on its way and will have them
        const merged = mergeNewer(s.rows, page.data);
        return { ...s, rows: merged.rows, added: merged.added, cursor: merged.replaced ? page.next_cursor : s.cursor };
      });
    } catch {
      // The next live message tries again; a tail is not worth an error on the page.
    } finally {
      tailing.current = false;
    }
  }, [filters]);

  return {
    rows: state.rows,
    loading: state.loading,
    error: state.error,
    added: state.added,
    hasMore: state.cursor !== null,
    loadMore: () => {
      if (state.cursor && !state.loading) void load(state.cursor);
    },
    reload: () => void load(undefined),
    tail: () => void tail(),
  };
}
