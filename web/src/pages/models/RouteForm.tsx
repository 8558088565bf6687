import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { RouteAlias } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { CaptureField } from "../keys/CaptureField";
import { emptyRouteForm, routeBody, type RouteErrors, type RouteFormValues, routeFormFrom, STRATEGIES, validateRoute } from "./routeForm";
import { TargetsEditor } from "./TargetsEditor";

interface RouteFormProps {
  route?: RouteAlias | undefined;
  onSaved: (route: RouteAlias) => void;
  onCancel: () => void;
}

async function save(route: RouteAlias | undefined, values: RouteFormValues): Promise<RouteAlias> {
  const body = routeBody(values);
  if (route) return call("patch", "/api/routes/{id}", { path: { id: route.id }, body });
  return call("post", "/api/routes", { body });
}

export function RouteForm({ route, onSaved, onCancel }: RouteFormProps) {
  const [values, setValues] = useState<RouteFormValues>(() => (route ? routeFormFrom(route) : emptyRouteForm()));
  const [errors, setErrors] = useState<RouteErrors>({});
  const action = useAction(save);
  const set = <K extends keyof RouteFormValues>(key: K, value: RouteFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const message = (key: "alias" | "retries" | "timeoutMs" | "cacheTtl") => {
    const found = errors[key];
    return found ? t(found) : null;
  };

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateRoute(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const saved = await action.run(route, values);
    if (saved) onSaved(saved);
  }

  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      <div class="field-grid">
        <Field label={t("routes.form.alias")} hint={t("routes.form.aliasHint")} error={message("alias")}>
          {(a11y) => <input {...a11y} value={values.alias} onInput={(e) => set("alias", e.currentTarget.value.trim())} spellcheck={false} autocomplete="off" />}
        </Field>
        <Field label={t("routes.form.strategy")} hint={t(`routes.strategy.${values.strategy}.hint`)}>
          {(a11y) => (
            <select {...a11y} value={values.strategy} onChange={(e) => set("strategy", STRATEGIES.find((s) => s === e.currentTarget.value) ?? "fallback")}>
              {STRATEGIES.map((s) => (
                <option key={s} value={s}>
                  {t(`routes.strategy.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <TargetsEditor targets={values.targets} weighted={values.strategy === "weighted"} errors={errors} onChange={(targets) => set("targets", targets)} />
      <div class="field-grid">
        <Field label={t("routes.form.retries")} hint={t("routes.form.retriesHint")} error={message("retries")}>
          {(a11y) => <input {...a11y} type="number" min={0} max={5} value={values.retries} onInput={(e) => set("retries", e.currentTarget.value)} />}
        </Field>
        <Field label={t("routes.form.timeout")} hint={t("routes.form.timeoutHint")} error={message("timeoutMs")}>
          {(a11y) => <input {...a11y} type="number" min={100} max={600000} value={values.timeoutMs} onInput={(e) => set("timeoutMs", e.currentTarget.value)} />}
        </Field>
        <Field label={t("routes.form.cache")} hint={t("routes.form.cacheHint")} error={message("cacheTtl")}>
          {(a11y) => <input {...a11y} type="number" min={0} max={86400} value={values.cacheTtl} onInput={(e) => set("cacheTtl", e.currentTarget.value)} />}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={values.promptCache} onChange={(e) => set("promptCache", e.currentTarget.checked)} />
        {t("keys.form.promptCache")}
      </label>
      <p class="hint">{t("keys.form.promptCacheHint")}</p>
      <CaptureField value={values.capture} onChange={(mode) => set("capture", mode)} />
      <ErrorAlert error={action.error} />
      <div class="row end">
        <button class="button" type="button" onClick={onCancel} disabled={action.busy}>
          {t("common.cancel")}
        </button>
        <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
          {route ? t("common.save") : t("routes.add")}
        </button>
      </div>
    </form>
  );
}
