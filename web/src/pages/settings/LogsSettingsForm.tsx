import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { TenantSettings } from "../../api/types";
import { FormEnd } from "../../components/FormEnd";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import {
  type LogsErrors,
  type LogsFormValues,
  logsBody,
  logsFormFrom,
  REDACTION_KINDS,
  type RedactionKind,
  type ServerField,
  serverError,
  validateLogs,
} from "./logsForm";
import { OtlpHeadersEditor } from "./OtlpHeadersEditor";
import { PatternsEditor } from "./PatternsEditor";

const saveLogs = (values: LogsFormValues) => call("patch", "/api/tenant", { body: logsBody(values) });

/** PATCH /api/tenant: how long captured bodies are kept, what is redacted in them, and the tenant's OTLP collector. */
export function LogsSettingsForm({ tenant, onSaved }: { tenant: TenantSettings; onSaved: (tenant: TenantSettings) => void }) {
  const [values, setValues] = useState(() => logsFormFrom(tenant));
  const [errors, setErrors] = useState<LogsErrors>({});
  const [saved, setSaved] = useState(false);
  const action = useAction(saveLogs);
  const readOnly = !can("tenant:write");
  const server = serverError(action.error);
  const serverAt = (field: ServerField) => (server?.field === field ? server : null);
  const set = <K extends keyof LogsFormValues>(key: K, value: LogsFormValues[K]) => {
    setSaved(false);
    action.reset();
    setValues((v) => ({ ...v, [key]: value }));
  };
  const toggle = (kind: RedactionKind, on: boolean) => set("off", on ? values.off.filter((k) => k !== kind) : [...values.off, kind]);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateLogs(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const updated = await action.run(values);
    if (updated) {
      setSaved(true);
      setValues((v) => ({ ...v, headers: [], removeHeaders: false })); // sent once; the names now come from the tenant
      onSaved(updated);
    }
  }

  const message = (key: "retentionDays" | "otlpEndpoint") => {
    const found = errors[key];
    return found ? t(found) : (serverAt(key)?.message ?? null);
  };

  return (
    <form class="stack" onSubmit={onSubmit} noValidate aria-labelledby="logs-heading">
      <p class="muted">
        {t("settings.logs.description")} <a href="/logs">{t("settings.logs.open")}</a>
      </p>
      {readOnly && <p class="notice">{t("settings.tenant.readOnly")}</p>}
      <Field label={t("settings.logs.retention")} hint={t("settings.logs.retentionHint")} error={message("retentionDays")}>
        {(a11y) => (
          <input
            {...a11y}
            type="number"
            min={1}
            max={365}
            value={values.retentionDays}
            readOnly={readOnly}
            onInput={(e) => set("retentionDays", e.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="stack-sm">
        <legend>{t("settings.logs.redaction")}</legend>
        <p class="hint">{t("settings.logs.redactionHint")}</p>
        {REDACTION_KINDS.map((kind) => (
          <label key={kind} class="check">
            <input type="checkbox" checked={!values.off.includes(kind)} disabled={readOnly} onChange={(e) => toggle(kind, e.currentTarget.checked)} />
            {t(`settings.logs.redact.${kind}`)}
          </label>
        ))}
        <PatternsEditor
          rows={values.patterns}
          errors={errors.patterns ?? {}}
          server={serverAt("patterns")}
          readOnly={readOnly}
          onChange={(rows) => set("patterns", rows)}
        />
      </fieldset>
      <Field label={t("settings.logs.otlpEndpoint")} hint={t("settings.logs.otlpEndpointHint")} error={message("otlpEndpoint")}>
        {(a11y) => (
          <input
            {...a11y}
            type="url"
            inputMode="url"
            value={values.otlpEndpoint}
            placeholder="https://otlp.example.com"
            readOnly={readOnly}
            onInput={(e) => set("otlpEndpoint", e.currentTarget.value)}
          />
        )}
      </Field>
      <OtlpHeadersEditor
        stored={tenant.otlp_header_names ?? []}
        rows={values.headers}
        remove={values.removeHeaders}
        errors={errors.headers ?? {}}
        server={serverAt("headers")?.message ?? null}
        readOnly={readOnly}
        onRows={(rows) => set("headers", rows)}
        onRemove={(remove) => set("removeHeaders", remove)}
      />
      <FormEnd action={action} saved={saved} submit={readOnly ? undefined : t("common.save")} showError={!server} />
    </form>
  );
}
