import { fetchHealth } from '../../api/health';
import { AsyncView } from '../../components/AsyncView';
import { useAsync } from '../../hooks/useAsync';
import { t } from '../../i18n';

const CHECK_NAMES: Record<string, 'diagnostics.d1' | 'diagnostics.tenantGate' | 'diagnostics.analyticsHub'> = {
  d1: 'diagnostics.d1',
  tenantGate: 'diagnostics.tenantGate',
  analyticsHub: 'diagnostics.analyticsHub',
};

/** GET /api/health: D1 and both Durable Objects, with round-trip times. */
export function HealthCard() {
  const { state, reload } = useAsync(fetchHealth);
  return (
    <section class="card stack" aria-labelledby="health-heading">
      <div class="card-header">
        <h2 id="health-heading">{t('diagnostics.health')}</h2>
        <button class="button small" type="button" onClick={reload}>
          {t('diagnostics.recheck')}
        </button>
      </div>
      <AsyncView state={state}>
        {(health) => (
          <>
            <p class="row">
              <span class={health.status === 'ok' ? 'badge ok' : 'badge bad'}>{health.status === 'ok' ? t('diagnostics.ok') : t('diagnostics.degraded')}</span>
              <span class="muted small">{t('diagnostics.build', { build: health.build })}</span>
            </p>
            <ul class="stack-sm list-plain">
              {Object.entries(health.checks).map(([name, check]) => {
                const label = CHECK_NAMES[name];
                return (
                  <li key={name} class="row">
                    <strong>{label ? t(label) : name}</strong>
                    <span class={check.ok ? 'badge ok' : 'badge bad'}>{check.ok ? t('diagnostics.up') : t('diagnostics.down')}</span>
                    <span class="muted small">{t('playground.ms', { ms: check.ms })}</span>
                    {check.error && <span class="small break">{check.error}</span>}
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </AsyncView>
    </section>
  );
}
