import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { Provider, ProviderTestResult } from "../../api/types";
import { CircuitBadge } from "../../components/CircuitBadge";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ManagedCardActions } from "../../components/ManagedCardActions";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { TestResult } from "./TestResult";

const MODELS_SHOWN = 6;

interface ProviderCardProps {
  provider: Provider;
  /** May edit, test, enable/disable and delete it (platform providers: the operator only). */
  canWrite: boolean;
  onEdit: (provider: Provider) => void;
  onChanged: (provider: Provider) => void;
  onDeleted: (id: string) => void;
}

const testProvider = (id: string) => call("post", "/api/providers/{id}/test", { path: { id } });
const setEnabled = (id: string, enabled: boolean) => call("patch", "/api/providers/{id}", { path: { id }, body: { enabled } });
const deleteProvider = (id: string) => call("delete", "/api/providers/{id}", { path: { id } });

function KeyFact({ provider }: { provider: Provider }) {
  if (!provider.has_api_key) return <>{t("providers.noKeySet")}</>;
  if (provider.api_key_last4) return <span class="mono">••••{provider.api_key_last4}</span>;
  return <>{t("providers.keySet")}</>;
}

function ObservedLatency({ ms }: { ms: number | null }) {
  if (ms === null) return <span class="muted">{t("providers.latencyNone")}</span>;
  return <>{t("providers.latencyValue", { ms })}</>;
}

export function ProviderCard({ provider, canWrite, onEdit, onChanged, onDeleted }: ProviderCardProps) {
  const [result, setResult] = useState<ProviderTestResult | null>(null);
  const test = useAction(testProvider);
  const toggle = useAction(setEnabled);
  const remove = useAction(deleteProvider);
  const headingId = `provider-${provider.id}`;
  const extra = provider.models.length - MODELS_SHOWN;

  async function onTest() {
    setResult(null);
    const answer = await test.run(provider.id);
    if (answer) setResult(answer);
  }

  async function onToggle() {
    const updated = await toggle.run(provider.id, !provider.enabled);
    if (updated) onChanged(updated);
  }

  async function onDelete(): Promise<boolean> {
    if (!(await remove.run(provider.id))) return false;
    onDeleted(provider.id);
    return true;
  }

  return (
    <article class="card" aria-labelledby={headingId}>
      <div class="card-header">
        <h3 id={headingId}>{provider.name}</h3>
        <div class="row">
          <span class={provider.enabled ? "badge ok" : "badge"}>{provider.enabled ? t("providers.enabled") : t("providers.disabled")}</span>
          <CircuitBadge state={provider.health.circuit} />
          <span class="badge accent">{provider.scope === "platform" ? t("providers.scope.platform") : t("providers.scope.tenant")}</span>
        </div>
      </div>
      <dl class="facts">
        <dt>{t("providers.kind")}</dt>
        <dd>{provider.kind}</dd>
        {provider.base_url && (
          <>
            <dt>{t("providers.baseUrl")}</dt>
            <dd class="mono">{provider.base_url}</dd>
          </>
        )}
        <dt>{t("providers.key")}</dt>
        <dd>
          <KeyFact provider={provider} />
        </dd>
        <dt>{t("providers.weight")}</dt>
        <dd>{provider.weight}</dd>
        <dt>{t("providers.latency")}</dt>
        <dd>
          <ObservedLatency ms={provider.health.latency_ms} />
        </dd>
        <dt>{t("providers.models")}</dt>
        <dd>
          {provider.models.length === 0 ? (
            <span class="muted">{t("providers.noModels")}</span>
          ) : (
            <ul class="chips" aria-label={t("providers.models")}>
              {provider.models.slice(0, MODELS_SHOWN).map((m) => (
                <li key={m} class="badge mono">
                  {m}
                </li>
              ))}
              {extra > 0 && <li class="badge">{t("providers.moreModels", { count: extra })}</li>}
            </ul>
          )}
        </dd>
      </dl>
      {result && <TestResult result={result} />}
      <ErrorAlert error={test.error ?? toggle.error} />
      <ManagedCardActions
        canWrite={canWrite}
        enabled={provider.enabled}
        labels={{
          test: t("providers.test"),
          testing: t("providers.testing"),
          enable: t("providers.enable"),
          disable: t("providers.disable"),
          deleteTitle: t("providers.deleteTitle", { name: provider.name }),
          deleteBody: t("providers.deleteBody"),
        }}
        test={test}
        toggle={toggle}
        remove={remove}
        onTest={onTest}
        onToggle={onToggle}
        onEdit={() => onEdit(provider)}
        onDelete={onDelete}
      />
    </article>
  );
}
