// A health check's result as /api/health and /api/diagnostics report it: D1, the Durable Objects.
import { isBoolean, isNumber, isObject, isString } from './guards';

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

function parseCheck(value: unknown): Check | null {
  if (!isObject(value) || !isBoolean(value['ok'])) return null;
  const check: Check = { ok: value['ok'], ms: isNumber(value['ms']) ? value['ms'] : 0 };
  if (isString(value['error'])) check.error = value['error'];
  return check;
}

/** `{ name: check }`, keeping only well-formed checks. */
export function parseChecks(value: unknown): Record<string, Check> {
  const checks: Record<string, Check> = {};
  if (!isObject(value)) return checks;
  for (const [name, raw] of Object.entries(value)) {
    const check = parseCheck(raw);
    if (check) checks[name] = check;
  }
  return checks;
}
