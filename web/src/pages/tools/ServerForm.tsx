import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { McpServer } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { isOperator } from "../../stores/permissions";
import {
  createBody,
  emptyServerForm,
  type ServerErrors,
  type ServerField,
  type ServerFormValues,
  serverFormFrom,
  updateBody,
  validateServer,
} from "./serverForm";

interface ServerFormProps {
  /** Absent: add a new server. */
  server?: McpServer | undefined;
  onSaved: (server: McpServer) => void;
  onCancel: () => void;
}

async function save(server: McpServer | undefined, values: ServerFormValues): Promise<McpServer> {
  if (server) return call("patch", "/api/mcp/servers/{id}", { path: { id: server.id }, body: updateBody(values, server) });
  return call("post", "/api/mcp/servers", { body: createBody(values) });
}

export function ServerForm({ server, onSaved, onCancel }: ServerFormProps) {
  const [values, setValues] = useState<ServerFormValues>(() => (server ? serverFormFrom(server) : emptyServerForm()));
  const [errors, setErrors] = useState<ServerErrors>({});
  const action = useAction(save);
  const set = <K extends keyof ServerFormValues>(key: K, value: ServerFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const error = (name: ServerField) => (errors[name] ? t(errors[name]) : null);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateServer(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const saved = await action.run(server, values);
    if (saved) onSaved(saved);
  }

  const headersHint = server?.has_headers ? t("tools.form.headersKeep") : t("tools.form.headersHint");
  const urlHint = values.transport === "sse" ? t("tools.form.urlHintSse") : t("tools.form.urlHint");
  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      <Field label={t("tools.form.name")} hint={t("tools.form.nameHint")} error={error("name")}>
        {(a11y) => (
          <input {...a11y} value={values.name} onInput={(e) => set("name", e.currentTarget.value.trim())} required autocomplete="off" spellcheck={false} />
        )}
      </Field>
      <Field label={t("tools.form.transport")} hint={t("tools.form.transportHint")}>
        {(a11y) => (
          <select {...a11y} value={values.transport} onChange={(e) => set("transport", e.currentTarget.value === "sse" ? "sse" : "streamable-http")}>
            <option value="streamable-http">{t("tools.transport.streamableHttp")}</option>
            <option value="sse">{t("tools.transport.sseOlder")}</option>
          </select>
        )}
      </Field>
      <Field label={t("tools.form.url")} hint={urlHint} error={error("url")}>
        {(a11y) => (
          <input
            {...a11y}
            type="url"
            inputMode="url"
            value={values.url}
            onInput={(e) => set("url", e.currentTarget.value)}
            placeholder="https://mcp.example.com/mcp"
            required
          />
        )}
      </Field>
      <Field label={t("tools.form.headers")} hint={headersHint} error={error("headers")}>
        {(a11y) => (
          <textarea
            {...a11y}
            value={values.headers}
            disabled={values.removeHeaders}
            onInput={(e) => set("headers", e.currentTarget.value)}
            placeholder="Authorization: Bearer …"
            autocomplete="off"
            spellcheck={false}
          />
        )}
      </Field>
      {server?.has_headers && (
        <label class="check">
          <input type="checkbox" checked={values.removeHeaders} onChange={(e) => set("removeHeaders", e.currentTarget.checked)} />
          {t("tools.form.removeHeaders")}
        </label>
      )}
      <Field label={t("tools.form.tools")} hint={t("tools.form.toolsHint")} error={error("tools")}>
        {(a11y) => <textarea {...a11y} value={values.tools} onInput={(e) => set("tools", e.currentTarget.value)} spellcheck={false} />}
      </Field>
      <Field label={t("tools.form.prices")} hint={t("tools.form.pricesHint")} error={error("prices")}>
        {(a11y) => (
          <textarea {...a11y} value={values.prices} onInput={(e) => set("prices", e.currentTarget.value)} placeholder="search = 0.001" spellcheck={false} />
        )}
      </Field>
      {!server && isOperator() && (
        <Field label={t("tools.form.scope")}>
          {(a11y) => (
            <select {...a11y} value={values.scope} onChange={(e) => set("scope", e.currentTarget.value === "platform" ? "platform" : "tenant")}>
              <option value="tenant">{t("tools.scope.tenant")}</option>
              <option value="platform">{t("tools.scope.platform")}</option>
            </select>
          )}
        </Field>
      )}
      <label class="check">
        <input type="checkbox" checked={values.enabled} onChange={(e) => set("enabled", e.currentTarget.checked)} />
        {t("tools.form.enabled")}
      </label>
      <ErrorAlert error={action.error} />
      <div class="row end">
        <button class="button" type="button" onClick={onCancel} disabled={action.busy}>
          {t("common.cancel")}
        </button>
        <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
          {server ? t("common.save") : t("tools.add")}
        </button>
      </div>
    </form>
  );
}
