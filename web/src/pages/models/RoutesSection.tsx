import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { RouteAlias } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { RouteCard } from "./RouteCard";
import { RouteForm } from "./RouteForm";

type Editing = { mode: "closed" } | { mode: "add" } | { mode: "edit"; route: RouteAlias };

const loadRoutes = async (signal: AbortSignal) => (await call("get", "/api/routes", { signal })).data;

export function RoutesSection() {
  const { state, update } = useAsync(loadRoutes);
  const [editing, setEditing] = useState<Editing>({ mode: "closed" });
  const canWrite = can("routes:write");
  const close = () => setEditing({ mode: "closed" });
  const saved = (route: RouteAlias) => {
    update((list) => (list.some((r) => r.id === route.id) ? list.map((r) => (r.id === route.id ? route : r)) : [...list, route]));
    close();
  };

  return (
    <section class="section" aria-labelledby="routes-heading">
      <div class="section-header">
        <h2 id="routes-heading">{t("routes.title")}</h2>
        {canWrite && (
          <button class="button primary" type="button" onClick={() => setEditing({ mode: "add" })}>
            {t("routes.add")}
          </button>
        )}
      </div>
      <p class="muted">{t("routes.description")}</p>
      <AsyncView state={state}>
        {(routes) =>
          routes.length === 0 ? (
            <EmptyState>{t("routes.empty")}</EmptyState>
          ) : (
            <ul class="cards">
              {routes.map((r) => (
                <li key={r.id}>
                  <RouteCard
                    route={r}
                    canWrite={canWrite}
                    onEdit={(route) => setEditing({ mode: "edit", route })}
                    onDeleted={(id) => update((list) => list.filter((x) => x.id !== id))}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </AsyncView>
      <Dialog
        open={editing.mode !== "closed"}
        wide
        title={editing.mode === "edit" ? t("routes.editTitle", { alias: editing.route.alias }) : t("routes.addTitle")}
        onClose={close}
      >
        <RouteForm route={editing.mode === "edit" ? editing.route : undefined} onSaved={saved} onCancel={close} />
      </Dialog>
    </section>
  );
}
