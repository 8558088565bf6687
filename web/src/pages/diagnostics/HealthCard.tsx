import type { HealthCheck } from "../../api/types";
import { t } from "../../i18n";

const CHECK_NAMES: Record<string, "diagnostics.d1" | "diagnostics.tenantGate" | "diagnostics.analyticsHub"> = {
  d1: "diagnostics.d1",
  tenantGate: "diagnostics.tenantGate",
  analyticsHub: "diagnostics.analyticsHub",
};

/** D1 and both Durable Objects (from GET /api/diagnostics), with round-trip times. */
export function HealthCard({ checks, build }: { checks: Record<string, HealthCheck>; build: string }) {
  const entries = Object.entries(checks);
  const allUp = entries.length > 0 && entries.every(([, check]) => check.ok);
  return (
    <section class="card stack" aria-labelledby="health-heading">
      <div class="card-header">
        <h2 id="health-heading">{t("diagnostics.health")}</h2>
        <span class={allUp ? "badge ok" : "badge bad"}>{allUp ? t("diagnostics.ok") : t("diagnostics.degraded")}</span>
      </div>
      <ul class="stack-sm list-plain">
        {entries.map(([name, check]) => {
          const label = CHECK_NAMES[name];
          return (
            <li key={name} class="row" data-check={name}>
              <strong>{label ? t(label) : name}</strong>
              <span class={check.ok ? "badge ok" : "badge bad"}>{check.ok ? t("diagnostics.up") : t("diagnostics.down")}</span>
              <span class="muted small">{t("playground.ms", { ms: check.ms })}</span>
              {check.error && <span class="small break">{check.error}</span>}
            </li>
          );
        })}
      </ul>
      <p class="muted small">{t("diagnostics.build", { build: build || "—" })}</p>
    </section>
  );
}
