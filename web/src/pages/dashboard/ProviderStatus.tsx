import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { t } from "../../i18n";
import { providers, providersError } from "../../stores/providers";
import { needsKey } from "../providers/kinds";

/** Configuration health from GET /api/providers: enabled, has its key, has models. */
export function ProviderStatus() {
  const list = providers.value;
  return (
    <section class="card" aria-labelledby="provider-status-heading">
      <div class="card-header">
        <h2 id="provider-status-heading">{t("dashboard.providerStatus")}</h2>
        <a href="/providers">{t("dashboard.manage")}</a>
      </div>
      {!list && !providersError.value && <Loading />}
      <ErrorAlert error={providersError.value} />
      {list && list.length === 0 && <p class="muted">{t("providers.empty")}</p>}
      {list && list.length > 0 && (
        <ul class="stack-sm list-plain">
          {list.map((p) => {
            const missingKey = needsKey(p.kind) && !p.has_api_key;
            return (
              <li key={p.id} class="row">
                <strong class="break">{p.name}</strong>
                <span class="muted small">{p.kind}</span>
                {!p.enabled ? (
                  <span class="badge">{t("providers.disabled")}</span>
                ) : missingKey ? (
                  <span class="badge warn">{t("providers.noKey")}</span>
                ) : (
                  <span class="badge ok">{t("providers.enabled")}</span>
                )}
                <span class="muted small">{t("providers.modelCount", { count: p.models.length })}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
