import type { ProviderTestResult } from "../../api/types";
import { t } from "../../i18n";

/** POST /api/providers/:id/test: ok or not, the upstream status and the latency. */
export function TestResult({ result }: { result: ProviderTestResult }) {
  const status = result.status === null ? t("providers.test.noAnswer") : `HTTP ${result.status}`;
  return (
    <div class={result.ok ? "success" : "alert"} role="status">
      <strong>{result.ok ? t("providers.test.ok") : t("providers.test.failed")}</strong> · {status} · {t("providers.test.latency", { ms: result.latency_ms })}
      {result.error && <span class="code">{result.error}</span>}
      {result.models && result.models.length > 0 && <span class="code">{t("providers.test.models", { count: result.models.length })}</span>}
    </div>
  );
}
