import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { RouteAlias } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";

interface RouteCardProps {
  route: RouteAlias;
  canWrite: boolean;
  onEdit: (route: RouteAlias) => void;
  onDeleted: (id: string) => void;
}

const deleteRoute = (id: string) => call("delete", "/api/routes/{id}", { path: { id } });

export function RouteCard({ route, canWrite, onEdit, onDeleted }: RouteCardProps) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(deleteRoute);
  const headingId = `route-${route.id}`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <div class="card-header">
        <h3 id={headingId} class="mono">
          {route.alias}
        </h3>
        <span class="badge accent">{t(`routes.strategy.${route.strategy}`)}</span>
      </div>
      <ol class="stack-sm">
        {route.targets.map((target, i) => (
          <li key={i} class="break">
            <span class="mono">{target.model}</span>
            {route.strategy === "weighted" && <span class="muted"> · {t("routes.weight", { weight: target.weight ?? 1 })}</span>}
          </li>
        ))}
      </ol>
      <dl class="facts">
        <dt>{t("routes.retries")}</dt>
        <dd>{route.retries}</dd>
        <dt>{t("routes.timeout")}</dt>
        <dd>{route.timeout_ms === null ? t("routes.default") : t("routes.ms", { ms: route.timeout_ms })}</dd>
        <dt>{t("routes.cache")}</dt>
        <dd>{route.cache_ttl_seconds ? t("routes.seconds", { s: route.cache_ttl_seconds }) : t("routes.noCache")}</dd>
        {route.capture !== "none" && (
          <>
            <dt>{t("keys.capture")}</dt>
            <dd>{t(`keys.form.capture.${route.capture}`)}</dd>
          </>
        )}
      </dl>
      {canWrite && (
        <div class="card-actions">
          <button class="button small" type="button" onClick={() => onEdit(route)}>
            {t("common.edit")}
          </button>
          <button class="button small danger" type="button" onClick={() => setConfirming(true)}>
            {t("common.delete")}
          </button>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={t("routes.deleteTitle", { alias: route.alias })}
        confirmLabel={t("common.delete")}
        onConfirm={async () => {
          if (await remove.run(route.id)) {
            setConfirming(false);
            onDeleted(route.id);
          }
        }}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
        busy={remove.busy}
        error={remove.error}
      >
        <p>{t("routes.deleteBody")}</p>
      </ConfirmDialog>
    </article>
  );
}
