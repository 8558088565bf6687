import { useEffect } from "preact/hooks";
import { PageHeader } from "../../components/PageHeader";
import { t } from "../../i18n";
import { loadProviders } from "../../stores/providers";
import { AccountCard } from "./AccountCard";
import { Counts } from "./Counts";
import { LiveActivity } from "./LiveActivity";
import { ProviderStatus } from "./ProviderStatus";
import { TryIt } from "./TryIt";
import { UsageTiles } from "./UsageTiles";
import { useUsage } from "./useUsage";

export default function DashboardPage() {
  useEffect(() => void loadProviders(), []);
  const usage = useUsage();
  return (
    <>
      <PageHeader title={t("dashboard.title")} />
      <div class="stack">
        <UsageTiles usage={usage} />
        <div class="dashboard-grid">
          <LiveActivity usage={usage} />
          <AccountCard />
        </div>
        <Counts />
        <div class="dashboard-grid">
          <ProviderStatus />
          <TryIt />
        </div>
      </div>
    </>
  );
}
