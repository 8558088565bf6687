import { useEffect } from 'preact/hooks';
import { PageHeader } from '../../components/PageHeader';
import { t } from '../../i18n';
import { loadProviders } from '../../stores/providers';
import { AccountCard } from './AccountCard';
import { Counts } from './Counts';
import { ProviderStatus } from './ProviderStatus';
import { TryIt } from './TryIt';

// Usage charts arrive with the analytics API; until then the dashboard shows only real data.
export default function DashboardPage() {
  useEffect(() => void loadProviders(), []);
  return (
    <>
      <PageHeader title={t('dashboard.title')} />
      <div class="stack">
        <Counts />
        <div class="dashboard-grid">
          <AccountCard />
          <ProviderStatus />
          <TryIt />
        </div>
      </div>
    </>
  );
}
