import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { LedgerKind, LedgerPage } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { Field } from "../../components/Field";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatDateTime, formatMicros } from "../../i18n/format";

export const LEDGER_PAGE_SIZE = 20;
const KINDS: readonly LedgerKind[] = ["topup", "usage", "refund", "dispute", "adjustment", "promo"];

const loadPage = (cursor: string | null, kind: LedgerKind | null, signal: AbortSignal): Promise<LedgerPage> =>
  call("get", "/api/billing/ledger", { query: { limit: LEDGER_PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(kind ? { kind } : {}) }, signal });

/** The ledger, newest first, a page at a time; the cursors already seen allow going back. */
export function LedgerCard({ version, currency }: { version: number; currency: string }) {
  const [cursors, setCursors] = useState<readonly (string | null)[]>([null]);
  const [kind, setKind] = useState<LedgerKind | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const { state } = useAsync((signal) => loadPage(cursor, kind, signal), [cursor, kind, version]);
  const pageNumber = cursors.length;

  return (
    <section class="card" aria-labelledby="ledger-heading">
      <div class="card-header">
        <h2 id="ledger-heading">{t("billing.ledger")}</h2>
        <Field label={t("billing.kind")}>
          {(a11y) => (
            <select
              {...a11y}
              class="input-auto"
              value={kind ?? ""}
              onChange={(e) => {
                setKind((e.currentTarget.value || null) as LedgerKind | null);
                setCursors([null]);
              }}
            >
              <option value="">{t("billing.kind.all")}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`billing.kind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <AsyncView state={state}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>{t("billing.ledgerEmpty")}</EmptyState>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <caption class="visually-hidden">{t("billing.ledgerPage", { page: pageNumber })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("billing.when")}</th>
                      <th scope="col" class="num">
                        {t("billing.amountCol")}
                      </th>
                      <th scope="col">{t("billing.kind")}</th>
                      <th scope="col">{t("billing.reason")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((entry) => (
                      <tr key={entry.id}>
                        <td class="nowrap">{formatDateTime(entry.created_at)}</td>
                        <td class="num nowrap">{formatMicros(entry.amount_micros, currency)}</td>
                        <td>
                          <span class={`badge ${entry.amount_micros >= 0 ? "ok" : ""}`}>{t(`billing.kind.${entry.kind}`)}</span>
                        </td>
                        <td class="cell-name">{entry.reason ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav class="row pager" aria-label={t("billing.pages")}>
                <button class="button small" type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                  {t("billing.newer")}
                </button>
                <span class="muted small">{t("billing.page", { page: pageNumber })}</span>
                <button
                  class="button small"
                  type="button"
                  disabled={!page.next_cursor}
                  onClick={() => page.next_cursor && setCursors([...cursors, page.next_cursor])}
                >
                  {t("billing.older")}
                </button>
              </nav>
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
