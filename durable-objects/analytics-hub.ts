// AnalyticsHub: one per tenant, takes usage events and fans them out to live dashboards.
// This is its first shape: a SQLite-backed object that answers health checks. Event intake,
// rollups, WebSocket fan-out and D1 flushes land with the Durable Objects issue.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../worker/env.ts";

export interface HubHealth {
  ok: true;
  subscribers: number;
}

export class AnalyticsHub extends DurableObject<Env> {
  health(): HubHealth {
    return { ok: true, subscribers: this.ctx.getWebSockets().length };
  }
}
