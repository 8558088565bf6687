import type { ProviderHealth } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { t } from "../../i18n";
import { can, isOperator } from "../../stores/permissions";
import { ProviderHealthCard } from "./ProviderHealthCard";

// The probe is POST /api/providers/:id/test: providers:write, and platform:write for a platform provider.
const mayProbe = (provider: ProviderHealth): boolean => (provider.scope === "platform" ? isOperator() : can("providers:write"));

export function ProvidersHealth({ providers }: { providers: readonly ProviderHealth[] }) {
  return (
    <section class="stack" aria-labelledby="providers-health-heading">
      <div>
        <h2 id="providers-health-heading">{t("diagnostics.providers")}</h2>
        <p class="muted small">{t("diagnostics.providersHint")}</p>
      </div>
      {providers.length === 0 ? (
        <EmptyState>{t("diagnostics.providersEmpty")}</EmptyState>
      ) : (
        <ul class="cards">
          {providers.map((p) => (
            <li key={p.id}>
              <ProviderHealthCard provider={p} canProbe={mayProbe(p)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
