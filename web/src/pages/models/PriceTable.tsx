import type { Price } from "../../api/types";
import { formatMicros } from "../../i18n/format";
import { type MessageKey, t } from "../../i18n";

const money = (micros: number | null) => (micros === null ? "—" : formatMicros(micros));

/** A cache-write price without one of its own is Anthropic's multiple of input, as the gateway bills it. */
const CACHE_WRITE_MULTIPLES = { "5m": { num: 5, den: 4, label: "1.25" }, "1h": { num: 2, den: 1, label: "2" } } as const;

function CacheWrite({ price, input, ttl }: { price: number | null; input: number; ttl: keyof typeof CACHE_WRITE_MULTIPLES }) {
  if (price !== null) return <td class="num">{money(price)}</td>;
  const { num, den, label } = CACHE_WRITE_MULTIPLES[ttl];
  return (
    <td class="num muted" title={t("models.cacheWriteDefault", { multiple: label })}>
      {money(Math.floor((input * num) / den))}
    </td>
  );
}

/** Prices of calls billed per unit (images, audio, speech, moderation, rerank) and the batch discount, one per line. */
function UnitPrices({ p }: { p: Price }) {
  const lines: string[] = [];
  const add = (key: MessageKey, micros: number | null) => {
    if (micros !== null) lines.push(t(key, { price: money(micros) }));
  };
  add("models.unit.image", p.per_image_micros);
  for (const [tier, micros] of Object.entries(p.image_prices ?? {})) lines.push(t("models.unit.imageTier", { tier, price: money(micros) }));
  add("models.unit.second", p.per_audio_second_micros);
  add("models.unit.mchar", p.per_mchar_micros);
  add("models.unit.request", p.per_request_micros);
  add("models.unit.searchUnit", p.per_search_unit_micros);
  if (p.batch_discount_bps !== null) lines.push(t("models.unit.batch", { percent: String(p.batch_discount_bps / 100) }));
  if (lines.length === 0) return <td class="small muted">—</td>;
  return (
    <td class="small">
      {lines.map((line) => (
        <div key={line}>{line}</div>
      ))}
    </td>
  );
}

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
              {t("models.cacheWrite5m")}
            </th>
            <th scope="col" class="num">
              {t("models.cacheWrite1h")}
            </th>
            <th scope="col" class="num">
              {t("models.reasoning")}
            </th>
            <th scope="col">{t("models.perUnit")}</th>
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
              <CacheWrite price={p.cache_write_5m_per_mtok_micros} input={p.input_per_mtok_micros} ttl="5m" />
              <CacheWrite price={p.cache_write_1h_per_mtok_micros} input={p.input_per_mtok_micros} ttl="1h" />
              <td class="num">{money(p.reasoning_per_mtok_micros)}</td>
              <UnitPrices p={p} />
              <td class="small muted">{p.source ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
