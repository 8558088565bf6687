import type { GateStatus } from "../../api/types";
import { t } from "../../i18n";

/** This tenant's TenantGate: reachable, whether it bills, what it holds that D1 has not seen yet. */
export function GateCard({ gate }: { gate: GateStatus | null }) {
  return (
    <section class="card stack" aria-labelledby="gate-heading">
      <div class="card-header">
        <h2 id="gate-heading">{t("diagnostics.gate")}</h2>
        <span class={gate ? "badge ok" : "badge bad"}>{gate ? t("diagnostics.up") : t("diagnostics.down")}</span>
      </div>
      {gate ? (
        <dl class="stack-sm diag-facts">
          <div>
            <dt>{t("diagnostics.gateBilling")}</dt>
            <dd>{gate.billingEnabled ? t("diagnostics.gateBillingOn") : t("diagnostics.gateBillingOff")}</dd>
          </div>
          <div>
            <dt>{t("diagnostics.gateReservations")}</dt>
            <dd>{gate.openReservations}</dd>
          </div>
          <div>
            <dt>{t("diagnostics.gateUnflushed")}</dt>
            <dd>{gate.unflushedEntries}</dd>
          </div>
        </dl>
      ) : (
        <p class="alert">{t("diagnostics.gateUnreachable")}</p>
      )}
    </section>
  );
}
