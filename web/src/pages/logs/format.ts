import { locale, t } from "../../i18n";
import { formatNumber } from "../../i18n/format";

/** A call's status as a badge tone: answered, refused (4xx), failed (5xx). */
export function statusTone(status: number): "ok" | "warn" | "bad" {
  if (status < 400) return "ok";
  return status < 500 ? "warn" : "bad";
}

/** When a call came, to the second (calls come many a minute). */
export function formatCallTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "medium" }).format(date);
}

/** What a call used: tokens in → out, or units for the endpoints priced per unit (images, seconds…). */
export function formatUsage(call: { input_tokens: number; output_tokens: number; unit: string | null; units: number }): string {
  if (call.unit && call.input_tokens === 0 && call.output_tokens === 0) return `${formatNumber(call.units)} ${call.unit}`;
  return t("logs.tokensInOut", { input: formatNumber(call.input_tokens), output: formatNumber(call.output_tokens) });
}
