import type { ProviderHealth } from "../../api/types";
import { CircuitBadge } from "../../components/CircuitBadge";
import { t } from "../../i18n";
import { LatencyProbe } from "./LatencyProbe";

function ObservedLatency({ latency }: { latency: Record<string, number> }) {
  const targets = Object.entries(latency).sort(([a], [b]) => a.localeCompare(b));
  if (targets.length === 0) return <span class="muted">{t("diagnostics.latencyNone")}</span>;
  return (
    <ul class="list-plain stack-sm">
      {targets.map(([target, ms]) => (
        <li key={target} class="latency-row">
          <span class="mono break">{target}</span>
          <span class="nowrap">{t("diagnostics.latencyValue", { ms })}</span>
        </li>
      ))}
    </ul>
  );
}

/** One provider as the answering isolate sees it: breaker state, its failure window, latency. */
export function ProviderHealthCard({ provider, canProbe }: { provider: ProviderHealth; canProbe: boolean }) {
  const headingId = `provider-health-${provider.id}`;
  return (
    <article class="card provider-health" aria-labelledby={headingId}>
      <div class="card-header">
        <h3 id={headingId}>{provider.name}</h3>
        <div class="row">
          <CircuitBadge state={provider.circuit} />
          <span class="badge accent">{t(`providers.scope.${provider.scope}`)}</span>
        </div>
      </div>
      <dl class="stack-sm diag-facts">
        <div>
          <dt>{t("providers.kind")}</dt>
          <dd>{provider.kind}</dd>
        </div>
        <div>
          <dt>{t("diagnostics.window")}</dt>
          <dd>{t("diagnostics.windowValue", { failures: provider.window.failures, samples: provider.window.samples })}</dd>
        </div>
        <div>
          <dt>{t("diagnostics.latency")}</dt>
          <dd>
            <ObservedLatency latency={provider.latency_ms} />
          </dd>
        </div>
      </dl>
      {canProbe && (
        <div class="card-actions">
          <LatencyProbe providerId={provider.id} providerName={provider.name} />
        </div>
      )}
    </article>
  );
}
