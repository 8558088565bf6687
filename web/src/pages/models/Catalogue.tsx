import type { Price } from '../../api/types';
import { EmptyState } from '../../components/EmptyState';
import { formatMicros } from '../../i18n/format';
import { t } from '../../i18n';
import { providers } from '../../stores/providers';
import { priceFor } from './prices';

/** Every callable model (enabled providers × their models) with the price that applies to it. */
export function Catalogue({ prices }: { prices: readonly Price[] }) {
  const rows = (providers.value ?? [])
    .filter((p) => p.enabled)
    .flatMap((p) => p.models.map((m) => ({ id: `${p.name}/${m}`, provider: p.name, price: priceFor(prices, p.name, m) })));
  if (rows.length === 0) return <EmptyState>{t('models.noModels')}</EmptyState>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="catalogue-heading">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('models.model')}</th>
            <th scope="col" class="num">
              {t('models.input')}
            </th>
            <th scope="col" class="num">
              {t('models.output')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row" class="mono break">
                {row.id}
              </th>
              <td class="num">{row.price ? formatMicros(row.price.input_per_mtok_micros) : '—'}</td>
              <td class="num">{row.price ? formatMicros(row.price.output_per_mtok_micros) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
