import { useEffect } from 'preact/hooks';
import { call } from '../../api/client';
import { PageHeader } from '../../components/PageHeader';
import { useAsync } from '../../hooks/useAsync';
import { t } from '../../i18n';
import { loadProviders } from '../../stores/providers';
import { HealthCard } from './HealthCard';
import { Playground } from './Playground';

const loadAliases = async (signal: AbortSignal) => (await call('get', '/api/routes', { signal })).data.map((r) => r.alias);

export default function DiagnosticsPage() {
  const aliases = useAsync(loadAliases);
  useEffect(() => void loadProviders(), []);
  return (
    <>
      <PageHeader title={t('diagnostics.title')} />
      <div class="stack">
        <HealthCard />
        <Playground aliases={aliases.state.status === 'ready' ? aliases.state.data : []} />
      </div>
    </>
  );
}
