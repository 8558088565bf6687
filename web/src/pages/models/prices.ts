import type { Price } from '../../api/types';

/** The price the gateway charges for `<provider>/<model>`: the exact id, else the bare model id. */
export function priceFor(prices: readonly Price[], provider: string, model: string): Price | undefined {
  return prices.find((p) => p.model === `${provider}/${model}`) ?? prices.find((p) => p.model === model);
}
