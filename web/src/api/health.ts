import { call } from './client';
import { isBoolean, isNumber, isObject, isString } from './guards';

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Health {
  status: string;
  build: string;
  checks: Record<string, Check>;
}

function parseCheck(value: unknown): Check | null {
  if (!isObject(value) || !isBoolean(value['ok'])) return null;
  const check: Check = { ok: value['ok'], ms: isNumber(value['ms']) ? value['ms'] : 0 };
  if (isString(value['error'])) check.error = value['error'];
  return check;
}

/** GET /api/health; a degraded system answers 503 with the same body, which is still the answer. */
export async function fetchHealth(signal?: AbortSignal): Promise<Health> {
  const answer = await call('get', '/api/health', { acceptStatus: [503], ...(signal ? { signal } : {}) });
  const checks: Record<string, Check> = {};
  if (isObject(answer) && isObject(answer['checks'])) {
    for (const [name, value] of Object.entries(answer['checks'])) {
      const check = parseCheck(value);
      if (check) checks[name] = check;
    }
  }
  return {
    status: isObject(answer) && isString(answer['status']) ? answer['status'] : 'unknown',
    build: isObject(answer) && isString(answer['build']) ? answer['build'] : '',
    checks,
  };
}
