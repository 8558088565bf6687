import { useCallback, useEffect, useState } from "preact/hooks";
import { listAudit } from "../../api/audit";
import type { AuditEntry, AuditQuery } from "../../api/types";
import type { Filters } from "./AuditFilters";

const PAGE_SIZE = 50;

export function toQuery(filters: Filters, cursor?: string): AuditQuery {
  const query: AuditQuery = { limit: PAGE_SIZE };
  if (filters.entity_type) query.entity_type = filters.entity_type;
  if (filters.action) query.action = filters.action;
  if (filters.from) query.from = new Date(filters.from).toISOString();
  if (filters.to) query.to = new Date(filters.to).toISOString();
  if (cursor) query.cursor = cursor;
  return query;
}

/** The filtered log, newest first, grown page by page with the API's cursor. */
export function useAuditLog(filters: Filters) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  const fetchPage = useCallback(
    async (after: string | undefined, signal?: AbortSignal) => {
      setLoading(true);
      setError(null);
      try {
        const page = await listAudit(toQuery(filters, after), signal);
        if (signal?.aborted) return;
        setEntries((list) => (after ? [...list, ...page.data] : page.data));
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
    entries,
    loading,
    error,
    hasMore: cursor !== null,
    loadMore: () => cursor && void fetchPage(cursor),
    reload: () => setGeneration((g) => g + 1),
  };
}
