import type { RecentError } from "../../api/types";
import { CopyButton } from "../../components/CopyButton";
import { EmptyState } from "../../components/EmptyState";
import { locale, t } from "../../i18n";

/** To the second: errors close together are told apart by their time. */
function formatErrorTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "medium" }).format(date);
}

function ErrorRow({ error }: { error: RecentError }) {
  return (
    <tr data-request-id={error.request_id}>
      <td class="error-time">
        <time dateTime={error.at}>{formatErrorTime(error.at)}</time>
      </td>
      <td>
        <div class="request-id">
          <code class="mono break">{error.request_id}</code>
          <CopyButton text={error.request_id} label={t("diagnostics.copyId")} />
        </div>
      </td>
      <td class="num">
        <span class={error.status >= 500 ? "badge bad" : "badge warn"}>{error.status}</span>
      </td>
      <td class="mono">{error.error_type ?? "—"}</td>
      <td class="mono">{error.model ?? "—"}</td>
      <td>{error.provider ?? "—"}</td>
    </tr>
  );
}

/** The tenant's latest failed calls (status ≥ 400), newest first, each with its request id to quote. */
export function RecentErrors({ errors }: { errors: readonly RecentError[] }) {
  return (
    <section class="card stack" aria-labelledby="recent-errors-heading">
      <div>
        <h2 id="recent-errors-heading">{t("diagnostics.errors")}</h2>
        <p class="muted small">{t("diagnostics.errorsHint")}</p>
      </div>
      {errors.length === 0 ? (
        <EmptyState>{t("diagnostics.errorsEmpty")}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t("diagnostics.errorsCaption", { count: errors.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("diagnostics.errors.when")}</th>
                <th scope="col">{t("diagnostics.errors.requestId")}</th>
                <th scope="col" class="num">
                  {t("diagnostics.errors.status")}
                </th>
                <th scope="col">{t("diagnostics.errors.type")}</th>
                <th scope="col">{t("diagnostics.errors.model")}</th>
                <th scope="col">{t("diagnostics.errors.provider")}</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((e) => (
                <ErrorRow key={e.request_id} error={e} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
