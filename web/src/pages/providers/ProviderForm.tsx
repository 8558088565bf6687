import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { Provider } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { isOperator } from "../../stores/permissions";
import { defaultBaseUrl, needsBaseUrl, needsKey, PROVIDER_KINDS } from "./kinds";
import {
  createBody,
  emptyProviderForm,
  type ProviderErrors,
  type ProviderField,
  type ProviderFormValues,
  providerFormFrom,
  updateBody,
  validateProvider,
} from "./providerForm";

interface ProviderFormProps {
  /** Absent: add a new provider. */
  provider?: Provider | undefined;
  onSaved: (provider: Provider) => void;
  onCancel: () => void;
}

async function save(provider: Provider | undefined, values: ProviderFormValues): Promise<Provider> {
  if (provider) return call("patch", "/api/providers/{id}", { path: { id: provider.id }, body: updateBody(values) });
  return call("post", "/api/providers", { body: createBody(values) });
}

export function ProviderForm({ provider, onSaved, onCancel }: ProviderFormProps) {
  const [values, setValues] = useState<ProviderFormValues>(() => (provider ? providerFormFrom(provider) : emptyProviderForm()));
  const [errors, setErrors] = useState<ProviderErrors>({});
  const action = useAction(save);
  const set = <K extends keyof ProviderFormValues>(key: K, value: ProviderFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const error = (name: ProviderField) => (errors[name] ? t(errors[name]) : null);
  const kind = PROVIDER_KINDS.find((k) => k === values.kind) ?? "openai";

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateProvider(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const saved = await action.run(provider, values);
    if (saved) onSaved(saved);
  }

  const keyHint = provider?.has_api_key ? t("providers.form.keyKeep") : needsKey(kind) ? t("providers.form.keyNeeded") : t("providers.form.keyOptional");
  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      <div class="field-grid">
        <Field label={t("providers.form.name")} hint={t("providers.form.nameHint")} error={error("name")}>
          {(a11y) => (
            <input {...a11y} value={values.name} onInput={(e) => set("name", e.currentTarget.value.trim())} required autocomplete="off" spellcheck={false} />
          )}
        </Field>
        <Field label={t("providers.form.kind")} error={error("kind")}>
          {(a11y) => (
            <select {...a11y} value={values.kind} onChange={(e) => set("kind", e.currentTarget.value)}>
              {PROVIDER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field
        label={t("providers.form.baseUrl")}
        hint={needsBaseUrl(kind) ? t("providers.form.baseUrlRequired") : t("providers.form.baseUrlOptional")}
        error={error("baseUrl")}
      >
        {(a11y) => (
          <input
            {...a11y}
            type="url"
            inputMode="url"
            value={values.baseUrl}
            onInput={(e) => set("baseUrl", e.currentTarget.value)}
            placeholder={defaultBaseUrl(kind) ?? "https://"}
          />
        )}
      </Field>
      <Field label={t("providers.form.apiKey")} hint={keyHint} error={error("apiKey")}>
        {(a11y) => (
          <input
            {...a11y}
            type="password"
            autocomplete="off"
            value={values.apiKey}
            disabled={values.removeKey}
            onInput={(e) => set("apiKey", e.currentTarget.value)}
          />
        )}
      </Field>
      {provider?.has_api_key && (
        <label class="check">
          <input type="checkbox" checked={values.removeKey} onChange={(e) => set("removeKey", e.currentTarget.checked)} />
          {t("providers.form.removeKey")}
        </label>
      )}
      <Field label={t("providers.form.models")} hint={t("providers.form.modelsHint")} error={error("models")}>
        {(a11y) => <textarea {...a11y} value={values.models} onInput={(e) => set("models", e.currentTarget.value)} spellcheck={false} />}
      </Field>
      <div class="field-grid">
        <Field label={t("providers.form.weight")} hint={t("providers.form.weightHint")} error={error("weight")}>
          {(a11y) => <input {...a11y} type="number" min={0} max={1000} step={1} value={values.weight} onInput={(e) => set("weight", e.currentTarget.value)} />}
        </Field>
        {!provider && isOperator() && (
          <Field label={t("providers.form.scope")}>
            {(a11y) => (
              <select {...a11y} value={values.scope} onChange={(e) => set("scope", e.currentTarget.value === "platform" ? "platform" : "tenant")}>
                <option value="tenant">{t("providers.scope.tenant")}</option>
                <option value="platform">{t("providers.scope.platform")}</option>
              </select>
            )}
          </Field>
        )}
      </div>
      <label class="check">
        <input type="checkbox" checked={values.enabled} onChange={(e) => set("enabled", e.currentTarget.checked)} />
        {t("providers.form.enabled")}
      </label>
      <ErrorAlert error={action.error} />
      <div class="row end">
        <button class="button" type="button" onClick={onCancel} disabled={action.busy}>
          {t("common.cancel")}
        </button>
        <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
          {provider ? t("common.save") : t("providers.add")}
        </button>
      </div>
    </form>
  );
}
