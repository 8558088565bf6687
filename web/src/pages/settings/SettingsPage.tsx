import { useEffect } from "preact/hooks";
import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { loadProviders } from "../../stores/providers";
import { AlertChannelsCard } from "./AlertChannelsCard";
import { AlertPreferencesCard } from "./AlertPreferencesCard";
import { Appearance } from "./Appearance";
import { LogsSettingsForm } from "./LogsSettingsForm";
import { PushDevicesCard } from "./PushDevicesCard";
import { TenantSettingsForm } from "./TenantSettingsForm";

const loadTenant = (signal: AbortSignal) => call("get", "/api/tenant", { signal });

export default function SettingsPage() {
  const { state, update } = useAsync(loadTenant);
  useEffect(() => void loadProviders(), []); // suggestions for the caps per model
  return (
    <>
      <PageHeader title={t("settings.title")} />
      <div class="dashboard-grid">
        <section class="card" aria-labelledby="tenant-heading">
          <h2 id="tenant-heading">{t("settings.tenant.title")}</h2>
          <AsyncView state={state}>{(tenant) => <TenantSettingsForm tenant={tenant} onSaved={(next) => update(() => next)} />}</AsyncView>
        </section>
        <section class="card" aria-labelledby="logs-heading">
          <h2 id="logs-heading">{t("settings.logs.title")}</h2>
          <AsyncView state={state}>{(tenant) => <LogsSettingsForm tenant={tenant} onSaved={(next) => update(() => next)} />}</AsyncView>
        </section>
        <PushDevicesCard />
        <AlertPreferencesCard />
        {can("tenant:write") && <AlertChannelsCard />}
        <section class="card" aria-labelledby="appearance-heading">
          <h2 id="appearance-heading">{t("settings.appearance")}</h2>
          <Appearance />
        </section>
      </div>
    </>
  );
}
