// Captured bodies (capture: bodies) into the LOGS bucket, after the response: redacted with the
// tenant's rules first, then packed (gzip, capped). One object per call, under a day prefix so
// the gate's retention sweep deletes whole days (durable-objects/gate/log-retention.ts).
import type { Context } from "hono";
import { packBody } from "../../core/body-pack.ts";
import { log } from "../../core/logger.ts";
import { redactJson, rulesFrom } from "../../core/redact.ts";
import { bodyKeyOf } from "../../core/request-detail.ts";
import type { TenantObservability } from "../../db/catalog.ts";
import type { AppEnv } from "../../env.ts";

export interface CapturedBodies {
  request: unknown;
  response: unknown;
  /** The answer was longer than the assembler keeps (streams). */
  truncated?: boolean;
}

/** Stores the bodies off the hot path; returns the key the log row names. A failed write is logged, never the call's failure. */
export function storeBodies(
  c: Context<AppEnv>,
  tenantId: string,
  at: number,
  observability: TenantObservability | undefined,
  bodies: () => CapturedBodies,
): string {
  const key = bodyKeyOf(tenantId, c.var.requestId, at);
  const write = async () => {
    const captured = bodies();
    const rules = rulesFrom(observability?.redaction ?? null);
    const { value, redactions } = redactJson({ request: captured.request, response: captured.response }, rules);
    const packed = await packBody({ ...(value as object), redactions, truncated: captured.truncated ?? false });
    await c.env.LOGS.put(key, packed.bytes, {
      httpMetadata: { contentType: "application/json", contentEncoding: "gzip" },
      customMetadata: { redactions: String(redactions), truncated: String(packed.truncated || (captured.truncated ?? false)) },
    });
  };
  c.executionCtx.waitUntil(write().catch((error: unknown) => log("warn", "captured bodies not stored", { key, error: String(error) })));
  return key;
}
