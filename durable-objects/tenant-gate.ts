// TenantGate: one per tenant, the only place a tenant's limits and balance are decided.
// This is its first shape: a SQLite-backed object that answers health checks. Admission,
// reservations and settlement land with the Durable Objects issue.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../worker/env.ts";

export interface GateHealth {
  ok: true;
  schemaVersion: number;
}

const SCHEMA_VERSION = 1;

export class TenantGate extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", SCHEMA_VERSION);
  }

  health(): GateHealth {
    const row = this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'schema_version'").one();
    return { ok: true, schemaVersion: row.value };
  }
}
