// GET /api/diagnostics, read defensively: the OpenAPI document gives no response schema for
// it (the generated type is `unknown`), so the shape below mirrors worker/api/diagnostics.ts.
import { call } from '../../api/client';
import { type Check, parseChecks } from '../../api/health';
import { isNumber, isObject, isString, type Json, stringOrNull } from '../../api/guards';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface GateStatus {
  billingEnabled: boolean;
  openReservations: number;
  unflushedEntries: number;
}

export interface ProviderHealth {
  id: string;
  name: string;
  kind: string;
  scope: 'platform' | 'tenant';
  circuit: CircuitState;
  window: { samples: number; failures: number };
  /** Moving average per target (`provider/model`), as observed by the isolate that answered. */
  latency_ms: Record<string, number>;
}

export interface RecentError {
  request_id: string;
  at: string;
  status: number;
  error_type: string | null;
  model: string | null;
  provider: string | null;
}

export interface DiagnosticsReport {
  build: { id: string; app: string };
  checks: Record<string, Check>;
  /** null: this tenant's TenantGate did not answer. */
  gate: GateStatus | null;
  providers: ProviderHealth[];
  recent_errors: RecentError[];
}

const CIRCUITS: readonly CircuitState[] = ['closed', 'open', 'half-open'];
const isCircuit = (value: unknown): value is CircuitState => CIRCUITS.includes(value as CircuitState);
const numberOr = (value: unknown, fallback: number): number => (isNumber(value) ? value : fallback);
const objectOr = (value: unknown): Json => (isObject(value) ? value : {});
const listOf = <T>(value: unknown, parse: (item: unknown) => T | null): T[] =>
  Array.isArray(value) ? value.map(parse).filter((item): item is T => item !== null) : [];

function parseGate(value: unknown): GateStatus | null {
  if (!isObject(value)) return null;
  return {
    billingEnabled: value['billingEnabled'] === true,
    openReservations: numberOr(value['openReservations'], 0),
    unflushedEntries: numberOr(value['unflushedEntries'], 0),
  };
}

function parseLatency(value: unknown): Record<string, number> {
  return Object.fromEntries(Object.entries(objectOr(value)).filter((entry): entry is [string, number] => isNumber(entry[1])));
}

function parseProvider(value: unknown): ProviderHealth | null {
  if (!isObject(value) || !isString(value['id']) || !isString(value['name'])) return null;
  const window = objectOr(value['window']);
  return {
    id: value['id'],
    name: value['name'],
    kind: isString(value['kind']) ? value['kind'] : '',
    scope: value['scope'] === 'platform' ? 'platform' : 'tenant',
    // The API's own default: a provider without a breaker yet has had no failures.
    circuit: isCircuit(value['circuit']) ? value['circuit'] : 'closed',
    window: { samples: numberOr(window['samples'], 0), failures: numberOr(window['failures'], 0) },
    latency_ms: parseLatency(value['latency_ms']),
  };
}

function parseRecentError(value: unknown): RecentError | null {
  if (!isObject(value) || !isString(value['request_id']) || !isNumber(value['status'])) return null;
  return {
    request_id: value['request_id'],
    at: isString(value['at']) ? value['at'] : '',
    status: value['status'],
    error_type: stringOrNull(value['error_type']),
    model: stringOrNull(value['model']),
    provider: stringOrNull(value['provider']),
  };
}

export function parseDiagnostics(answer: unknown): DiagnosticsReport {
  const body = objectOr(answer);
  const build = objectOr(body['build']);
  return {
    build: { id: isString(build['id']) ? build['id'] : '', app: isString(build['app']) ? build['app'] : '' },
    checks: parseChecks(body['checks']),
    gate: parseGate(body['gate']),
    providers: listOf(body['providers'], parseProvider),
    recent_errors: listOf(body['recent_errors'], parseRecentError),
  };
}

export async function fetchDiagnostics(signal?: AbortSignal): Promise<DiagnosticsReport> {
  return parseDiagnostics(await call('get', '/api/diagnostics', signal ? { signal } : {}));
}
