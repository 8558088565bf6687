// /api/end-users: the people a tenant's calls are made for (named by `user`, `metadata.user_id`
// or x-aggregator-user), with what each spent this month and the limits that apply to them.
// An admin sets one user's limits over the tenant's end_user_defaults; each change is audited.
import { and, eq } from "drizzle-orm";
import * as z from "zod";
import { userScope } from "../../durable-objects/gate/scopes.ts";
import { AppError } from "../core/errors.ts";
import { DAY_MS, periodStart } from "../core/periods.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { topEndUsers } from "../db/analytics.ts";
import { type EndUserRow, findEndUser, listEndUserOverrides } from "../db/end-users.ts";
import { endUserEntityId } from "../db/entities.ts";
import { endUsers, type ScopeLimits } from "../db/schema.ts";
import { findTenant } from "../db/tenants.ts";
import { END_USER_MAX, isEndUserName } from "../gateway/end-user.ts";
import { gateFor } from "../gateway/gate.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { scopeLimits, scopeLimitsBody, scopeLimitsJson, scopeLimitsView } from "./limit-fields.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const endUserView = z.object({
  end_user: z.string(),
  requests: z.int().describe("This month (UTC)"),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_micros: z.int(),
  last_seen_at: z.string().nullable(),
  own_limits: scopeLimitsView.nullable().describe("Set for this user; null: the tenant's end_user_defaults apply"),
  limits: scopeLimitsView.nullable().describe("What applies: own_limits, else the defaults; null: none"),
  budget_spent_micros: z.int().nullable().describe("Spent in the current budget period; null: no budget"),
});

const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

function endUserName(c: ApiContext): string {
  const name = c.req.param("user") ?? "";
  if (!isEndUserName(name)) {
    throw new AppError("invalid_request", `An end user's name is 1 to ${END_USER_MAX} printable characters.`, { code: "invalid_end_user", param: "user" });
  }
  return name;
}

const ownLimits = (row: EndUserRow | undefined): ScopeLimits | null =>
  row ? { rpm: row.rpmLimit, tpm: row.tpmLimit, budgetMicros: row.budgetMicros, budgetPeriod: row.budgetPeriod } : null;

/** The list: this month's top spenders and every user with limits of their own. */
async function listEndUsers(c: ApiContext, limit: number): Promise<z.output<typeof endUserView>[]> {
  const db = getDb(c.env.DB);
  const tenantId = c.var.user.tenantId;
  const tenant = await findTenant(db, tenantId);
  const monthStart = periodStart(Date.now(), "monthly", "UTC");
  const [usage, overrides] = await Promise.all([
    topEndUsers(db, { tenantId, from: monthStart, to: Date.now() + DAY_MS }, limit),
    listEndUserOverrides(db, tenantId),
  ]);
  const own = new Map(overrides.map((row) => [row.endUser, ownLimits(row)]));
  const names = [...new Set([...usage.map((u) => u.endUser), ...own.keys()])];
  const used = new Map(usage.map((u) => [u.endUser, u]));
  const limits = names.map((name) => own.get(name) ?? tenant?.endUserDefaults ?? null);
  const spent = await budgetSpend(c, names, limits);
  return names.map((name, i) => {
    const u = used.get(name);
    const applied = limits[i] ?? null;
    return {
      end_user: name,
      requests: u?.requests ?? 0,
      input_tokens: u?.inputTokens ?? 0,
      output_tokens: u?.outputTokens ?? 0,
      cost_micros: u?.costMicros ?? 0,
      last_seen_at: iso(u?.lastSeenAt || null),
      own_limits: own.has(name) ? scopeLimitsJson(own.get(name)!) : null,
      limits: applied ? scopeLimitsJson(applied) : null,
      budget_spent_micros: spent[i] ?? null,
    };
  });
}

/** What each user with a budget spent in its period, as the gate counts it (one call for all). */
async function budgetSpend(c: ApiContext, names: string[], limits: (ScopeLimits | null)[]): Promise<(number | null)[]> {
  const asked = names.flatMap((name, i) => (limits[i]?.budgetMicros != null ? [{ i, scope: userScope(name), period: limits[i]!.budgetPeriod }] : []));
  if (asked.length === 0) return names.map(() => null);
  const tenantId = c.var.user.tenantId;
  const spent = await gateFor(c.env, tenantId).spend(
    tenantId,
    asked.map(({ scope, period }) => ({ scope, period })),
  );
  const out: (number | null)[] = names.map(() => null);
  asked.forEach(({ i }, j) => {
    out[i] = spent[j] ?? 0;
  });
  return out;
}

export const endUsersApi = new ApiRouter("end-users")
  .endpoint(
    "get",
    "/",
    {
      summary: "End users: this month's top spenders and everyone with limits of their own, with the limits that apply and their budget's spend.",
      access: "analytics:read",
      query: listQuery,
      response: z.object({ data: z.array(endUserView) }),
    },
    async (c, { query }) => c.json({ data: await listEndUsers(c, query.limit) }),
  )
  .endpoint(
    "put",
    "/:user",
    {
      summary: "Set one end user's limits (requests and tokens per minute, a spend budget), over the tenant's end_user_defaults.",
      access: "tenant:write",
      body: scopeLimitsBody,
      response: z.object({ end_user: z.string(), own_limits: scopeLimitsView }),
    },
    async (c, { body }) => {
      const db = getDb(c.env.DB);
      const tenantId = c.var.user.tenantId;
      const name = endUserName(c);
      const before = await findEndUser(db, tenantId, name);
      const limits = scopeLimits(body);
      const now = Date.now();
      const after: EndUserRow = {
        tenantId,
        endUser: name,
        rpmLimit: limits.rpm,
        tpmLimit: limits.tpm,
        budgetMicros: limits.budgetMicros,
        budgetPeriod: limits.budgetPeriod,
        createdAt: before?.createdAt ?? now,
        updatedAt: before ? now : null,
      };
      const write = before
        ? db
            .update(endUsers)
            .set(after)
            .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.endUser, name)))
        : db.insert(endUsers).values(after);
      const entityId = endUserEntityId(tenantId, name);
      await commitChange(db, actorOf(c), { action: before ? "update" : "create", entityType: "end_user", entityId, tenantId, before: before ?? null, after }, [
        write,
      ]);
      return c.json({ end_user: name, own_limits: scopeLimitsJson(limits) });
    },
  )
  .endpoint(
    "delete",
    "/:user",
    {
      summary: "Remove one end user's own limits: the tenant's end_user_defaults apply again.",
      access: "tenant:write",
      response: z.object({ end_user: z.string() }),
    },
    async (c) => {
      const db = getDb(c.env.DB);
      const tenantId = c.var.user.tenantId;
      const name = endUserName(c);
      const before = await findEndUser(db, tenantId, name);
      if (!before) throw new AppError("not_found", "This end user has no limits of their own.", { code: "end_user_not_found" });
      await commitChange(
        db,
        actorOf(c),
        { action: "delete", entityType: "end_user", entityId: endUserEntityId(tenantId, name), tenantId, before, after: null },
        [db.delete(endUsers).where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.endUser, name)))],
      );
      return c.json({ end_user: name });
    },
  );
