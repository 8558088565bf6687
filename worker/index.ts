// Worker entry: the Hono app and the Durable Object classes wrangler binds.
import { createApp } from "./app.ts";

export { AnalyticsHub } from "../durable-objects/analytics-hub.ts";
export { TenantGate } from "../durable-objects/tenant-gate.ts";

export default createApp();
