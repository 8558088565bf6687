import type { RequestDetail } from "../../api/types";
import { t } from "../../i18n";
import { formatMicros, formatNumber } from "../../i18n/format";

interface UsageLine {
  key: "input" | "cachedInput" | "cacheWrite" | "output" | "reasoning" | "units";
  amount: string;
  micros: number;
}

/** Tokens and cost by class; a class neither used nor charged is left out (input and output always show). */
export function usageLines(call: RequestDetail): UsageLine[] {
  const lines: (UsageLine & { used: boolean })[] = [
    { key: "input", amount: formatNumber(call.input_tokens), micros: call.input_cost_micros, used: true },
    { key: "cachedInput", amount: formatNumber(call.cached_tokens), micros: call.cached_input_cost_micros, used: call.cached_tokens > 0 },
    {
      key: "cacheWrite",
      amount: formatNumber(call.cache_write_5m_tokens + call.cache_write_1h_tokens),
      micros: call.cache_write_cost_micros,
      used: call.cache_write_5m_tokens + call.cache_write_1h_tokens > 0,
    },
    { key: "output", amount: formatNumber(call.output_tokens), micros: call.output_cost_micros, used: true },
    { key: "reasoning", amount: formatNumber(call.reasoning_tokens), micros: call.reasoning_cost_micros, used: call.reasoning_tokens > 0 },
    { key: "units", amount: `${formatNumber(call.units)} ${call.unit ?? ""}`.trim(), micros: call.units_cost_micros, used: call.units > 0 },
  ];
  return lines.filter((line) => line.used || line.micros > 0).map(({ used: _, ...line }) => line);
}

/** What the call used and what it cost, class by class. */
export function CallUsage({ call }: { call: RequestDetail }) {
  return (
    <div class="stack-sm">
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t("logs.usage")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("logs.class")}</th>
              <th scope="col">{t("logs.amount")}</th>
              <th scope="col">{t("logs.cost")}</th>
            </tr>
          </thead>
          <tbody>
            {usageLines(call).map((line) => (
              <tr key={line.key}>
                <th scope="row">{t(`logs.class.${line.key}`)}</th>
                <td>{line.amount}</td>
                <td>{formatMicros(line.micros)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">{t("logs.timing.total")}</th>
              <td />
              <td>
                <strong>{formatMicros(call.cost_micros)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      {call.estimated && <p class="small muted">{t("logs.estimated")}</p>}
      {call.cache_saved_micros > 0 && <p class="small muted">{t("logs.cacheSaved", { amount: formatMicros(call.cache_saved_micros) })}</p>}
      {call.uncollected_micros > 0 && <p class="small muted">{t("logs.uncollected", { amount: formatMicros(call.uncollected_micros) })}</p>}
    </div>
  );
}
