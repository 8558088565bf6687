import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { ProviderTestResult } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";

const probeProvider = (id: string) => call("post", "/api/providers/{id}/test", { path: { id } });

function ProbeOutcome({ result }: { result: ProviderTestResult }) {
  const status = result.status === null ? t("providers.test.noAnswer") : `HTTP ${result.status}`;
  return (
    <>
      <span class={result.ok ? "badge ok" : "badge bad"}>{result.ok ? t("providers.test.ok") : t("providers.test.failed")}</span>{" "}
      <strong>{t("providers.test.latency", { ms: result.latency_ms })}</strong> · {status}
      {result.error && <span class="probe-error break">{result.error}</span>}
    </>
  );
}

/** POST /api/providers/:id/test: one round trip to the upstream, timed; the outcome is announced. */
export function LatencyProbe({ providerId, providerName }: { providerId: string; providerName: string }) {
  const [result, setResult] = useState<ProviderTestResult | null>(null);
  const probe = useAction(probeProvider);

  async function onProbe() {
    setResult(null);
    setResult((await probe.run(providerId)) ?? null);
  }

  return (
    <div class="stack-sm">
      <div class="row">
        <button
          class="button small"
          type="button"
          onClick={onProbe}
          disabled={probe.busy}
          aria-busy={probe.busy}
          aria-label={t("diagnostics.probeOf", { name: providerName })}
        >
          {t("diagnostics.probe")}
        </button>
        {/* Always in the page, so a screen reader hears the outcome when it fills in. */}
        <p class="probe-result" role="status" aria-live="polite" data-testid={`probe-${providerId}`}>
          {probe.busy ? t("diagnostics.probing") : result && <ProbeOutcome result={result} />}
        </p>
      </div>
      <ErrorAlert error={probe.error} />
    </div>
  );
}
