import { useEffect, useState } from "preact/hooks";
import { call } from "../../api/client";
import type { ApiKey } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { loadProviders } from "../../stores/providers";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { KeyItem } from "./KeyItem";

const loadKeys = async (signal: AbortSignal) => (await call("get", "/api/keys", { signal })).data;

export default function KeysPage() {
  const { state, update } = useAsync(loadKeys);
  const [creating, setCreating] = useState(false);
  const canWrite = can("keys:write");
  useEffect(() => void loadProviders(), []);
  const upsert = (key: ApiKey) => update((list) => (list.some((k) => k.id === key.id) ? list.map((k) => (k.id === key.id ? key : k)) : [key, ...list]));

  return (
    <>
      <PageHeader title={t("keys.title")} description={t("keys.description")}>
        {canWrite && (
          <button class="button primary" type="button" onClick={() => setCreating(true)}>
            {t("keys.create")}
          </button>
        )}
      </PageHeader>
      <AsyncView state={state}>
        {(keys) =>
          keys.length === 0 ? (
            <EmptyState>{t("keys.empty")}</EmptyState>
          ) : (
            <ul class="list">
              {keys.map((k) => (
                <KeyItem key={k.id} apiKey={k} canWrite={canWrite} onChanged={upsert} />
              ))}
            </ul>
          )
        }
      </AsyncView>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} onCreated={upsert} />
    </>
  );
}
