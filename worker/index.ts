// Worker entry: the Hono app and the Durable Object classes wrangler binds.
import { pollBatchesWith } from "../durable-objects/gate/batch-polls.ts";
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { pollBatch } from "./gateway/batches/settle.ts";

export { AnalyticsHub } from "../durable-objects/analytics-hub.ts";
export { TenantGate } from "../durable-objects/tenant-gate.ts";

// The bank gate's alarm follows batches at their providers; how is the gateway's to say. The
// gate runs in this isolate with every binding the Worker has.
pollBatchesWith((env, tenantId, batchId) => pollBatch(env as Env, tenantId, batchId));

export default createApp();
