import { useEffect, useState } from "preact/hooks";
import type { Provider } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { t } from "../../i18n";
import { can, isOperator } from "../../stores/permissions";
import { loadProviders, providers, providersError, removeProvider, upsertProvider } from "../../stores/providers";
import { ProviderCard } from "./ProviderCard";
import { ProviderForm } from "./ProviderForm";

type Editing = { mode: "closed" } | { mode: "add" } | { mode: "edit"; provider: Provider };

const mayWrite = (p: Provider) => (p.scope === "platform" ? isOperator() : can("providers:write"));

export default function ProvidersPage() {
  const [editing, setEditing] = useState<Editing>({ mode: "closed" });
  useEffect(() => void loadProviders(true), []);
  const list = providers.value;
  const close = () => setEditing({ mode: "closed" });

  return (
    <>
      <PageHeader title={t("providers.title")} description={t("providers.description")}>
        {can("providers:write") && (
          <button class="button primary" type="button" onClick={() => setEditing({ mode: "add" })}>
            {t("providers.add")}
          </button>
        )}
      </PageHeader>
      <ErrorAlert error={providersError.value} />
      {!list && !providersError.value && <Loading />}
      {list && list.length === 0 && <EmptyState>{t("providers.empty")}</EmptyState>}
      {list && list.length > 0 && (
        <ul class="cards">
          {list.map((p) => (
            <li key={p.id}>
              <ProviderCard
                provider={p}
                canWrite={mayWrite(p)}
                onEdit={(provider) => setEditing({ mode: "edit", provider })}
                onChanged={upsertProvider}
                onDeleted={removeProvider}
              />
            </li>
          ))}
        </ul>
      )}
      <Dialog
        open={editing.mode !== "closed"}
        title={editing.mode === "edit" ? t("providers.editTitle", { name: editing.provider.name }) : t("providers.addTitle")}
        onClose={close}
      >
        <ProviderForm
          provider={editing.mode === "edit" ? editing.provider : undefined}
          onSaved={(p) => {
            upsertProvider(p);
            close();
          }}
          onCancel={close}
        />
      </Dialog>
    </>
  );
}
