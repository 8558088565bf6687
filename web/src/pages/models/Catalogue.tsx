import type { ModelPrice } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { formatMicros } from "../../i18n/format";
import { t } from "../../i18n";

/** Every callable model with the price the tenant is billed; platform models without a price are flagged. */
export function Catalogue({ models }: { models: readonly ModelPrice[] }) {
  if (models.length === 0) return <EmptyState>{t("models.noModels")}</EmptyState>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="catalogue-heading">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("models.model")}</th>
            <th scope="col" class="num">
              {t("models.input")}
            </th>
            <th scope="col" class="num">
              {t("models.output")}
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((row) => (
            <tr key={row.model}>
              <th scope="row" class="mono break">
                {row.model}
                {!row.priced && " "}
                {!row.priced && (
                  <span class="badge bad" title={t("models.unpricedHint")}>
                    {t("models.unpriced")}
                  </span>
                )}
              </th>
              <td class="num">{row.input_per_mtok_micros !== null ? formatMicros(row.input_per_mtok_micros) : "—"}</td>
              <td class="num">{row.output_per_mtok_micros !== null ? formatMicros(row.output_per_mtok_micros) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
