// Every payment credit or debit goes through the tenant's gate, the only place a balance
// changes, once per idempotency key (`stripe:session:<id>`, `paypal:capture:<id>`, …).
import type { CreditRequest } from "../../../durable-objects/gate/types.ts";
import { AppError } from "../../core/errors.ts";
import { log } from "../../core/logger.ts";
import type { Env } from "../../env.ts";
import { gateFor } from "../../gateway/gate.ts";

export async function applyCredit(env: Env, tenantId: string, req: CreditRequest): Promise<{ applied: boolean; balanceMicros: number }> {
  try {
    return await gateFor(env, tenantId).credit(tenantId, req);
  } catch (error) {
    log("error", "credit failed", { tenantId, idempotencyKey: req.idempotencyKey, error: error instanceof Error ? error.message : String(error) });
    // 503: the processor retries its webhook, the client its capture; the key makes that safe.
    throw new AppError("unavailable", "The balance could not be updated just now; retry shortly.", { code: "retry_later", headers: { "retry-after": "5" } });
  }
}

/** The site the PWA is served from, for return URLs: the request's own origin. */
export function siteOrigin(url: string): string {
  return new URL(url).origin;
}
