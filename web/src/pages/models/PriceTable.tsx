import type { Price } from "../../api/types";
import { formatMicros } from "../../i18n/format";
import { t } from "../../i18n";

const money = (micros: number | null) => (micros === null ? "—" : formatMicros(micros));

/** The tenant's effective price table (GET /api/prices), per million tokens. */
export function PriceTable({ prices }: { prices: readonly Price[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="prices-heading">
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
            <th scope="col" class="num">
              {t("models.cachedInput")}
            </th>
            <th scope="col" class="num">
              {t("models.reasoning")}
            </th>
            <th scope="col">{t("models.source")}</th>
          </tr>
        </thead>
        <tbody>
          {prices.map((p) => (
            <tr key={p.id}>
              <th scope="row" class="mono break">
                {p.model} {p.override && <span class="badge accent">{t("models.override")}</span>}
              </th>
              <td class="num">{money(p.input_per_mtok_micros)}</td>
              <td class="num">{money(p.output_per_mtok_micros)}</td>
              <td class="num">{money(p.cached_input_per_mtok_micros)}</td>
              <td class="num">{money(p.reasoning_per_mtok_micros)}</td>
              <td class="small muted">{p.source ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
