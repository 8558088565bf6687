// Who makes a control-plane change, as the audit log records it. After the change commits, the
// gateway drops what it cached of the entity, so the change takes effect at once.
import type { Context } from "hono";
import type { Actor } from "../core/audit.ts";
import type { AppEnv } from "../env.ts";
import { afterChange } from "../gateway/invalidate.ts";

export function actorOf(c: Context<AppEnv>): Actor {
  return {
    actorId: c.var.user?.id ?? null,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
    requestId: c.var.requestId ?? null,
    afterCommit: (change) => afterChange(c.env, change),
  };
}
