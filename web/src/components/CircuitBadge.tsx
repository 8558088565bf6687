import type { CircuitState } from "../api/types";
import { t } from "../i18n";

const TONE: Record<CircuitState, string> = { closed: "ok", open: "bad", "half-open": "warn" };

/** A provider's breaker in words (not colour alone): closed = healthy, open = tripped, half-open = probing. */
export function CircuitBadge({ state }: { state: CircuitState }) {
  return (
    <span class={`badge ${TONE[state]}`} data-circuit={state}>
      {t(`circuit.${state}`)}
    </span>
  );
}
