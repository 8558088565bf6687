// /api/billing: balance and budget from the gate, the ledger paginated from D1, operator
// adjustments (audited, not rollbackable), reconciliation; and a top-up landing while calls
// are spending: the balance ends at start + top-up − usage to the micro-dollar, and the ledger agrees.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { settledGateStatus } from "./kit/gateway.ts";
import { bearer, call, createMember, type Member, json, jsonInit, rollback } from "./kit/fixtures.ts";
import { balanceOf, billingTenant, deliverStripe, ledgerOf, paidCheckout, stripeEvent } from "./kit/payments.ts";

interface BillingJson {
  balance_micros: number;
  reserved_micros: number;
  available_micros: number;
  month_spend_micros: number;
  monthly_budget_micros: number | null;
  budget_remaining_micros: number | null;
  billing_enabled: boolean;
  currency: string;
  payment_methods: { stripe: boolean; paypal: boolean };
}

interface LedgerPage {
  data: { id: string; kind: string; amount_micros: number; reason: string | null; actor_id: string | null }[];
  next_cursor: string | null;
}

async function operator(): Promise<Member> {
  return createMember("viewer", undefined, { operator: true });
}

const adjust = (who: Member, body: Record<string, unknown>) => call("/api/billing/adjustments", jsonInit(body, who.headers));

describe("GET /api/billing", () => {
  it("shows the gate's balance, the month against the budget, and the payment methods", async () => {
    const { tenantId, owner } = await billingTenant(3_000_000);
    await getDb(env.DB).update(tenants).set({ monthlyBudgetMicros: 50_000_000 }).where(eq(tenants.id, tenantId));
    const res = await call("/api/billing", { headers: owner.headers });
    expect(res.status).toBe(200);
    expect(await json<BillingJson>(res)).toMatchObject({
      balance_micros: 3_000_000,
      reserved_micros: 0,
      available_micros: 3_000_000,
      month_spend_micros: 0,
      monthly_budget_micros: 50_000_000,
      budget_remaining_micros: 50_000_000,
      billing_enabled: true,
      currency: "usd",
      payment_methods: { stripe: true, paypal: true },
    });
    for (const role of ["developer", "viewer"] as const) {
      expect((await call("/api/billing", { headers: (await createMember(role, tenantId)).headers })).status).toBe(403);
    }
  });
});

describe("operator adjustments", () => {
  it("credit or debit a tenant once per idempotency key, audited, refused to anyone but the operator", async () => {
    const { tenantId, owner } = await billingTenant(1_000_000);
    const op = await operator();
    expect((await adjust(owner, { tenant_id: tenantId, amount_micros: 5, reason: "x" })).status).toBe(403);
    expect(await json(await adjust(op, { tenant_id: tenantId, amount_micros: 5 }))).toMatchObject({ error: { param: "reason" } });
    expect(await json(await adjust(op, { tenant_id: tenantId, amount_micros: 5, reason: "   " }))).toMatchObject({ error: { param: "reason" } });
    expect(await json(await adjust(op, { tenant_id: tenantId, amount_micros: 0, reason: "nothing" }))).toMatchObject({ error: { param: "amount_micros" } });
    expect((await adjust(op, { tenant_id: "ten_nobody", amount_micros: 5, reason: "x" })).status).toBe(404);

    const body = { tenant_id: tenantId, amount_micros: -250_000, reason: "goodwill reversal", idempotency_key: "ticket-42" };
    const [a, b] = await Promise.all([adjust(op, body), adjust(op, body)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const results = [await json<{ id: string; applied: boolean; audit_id: string }>(a), await json<{ id: string; applied: boolean }>(b)];
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results[0]!.id).toBe(results[1]!.id);
    expect(await balanceOf(tenantId)).toBe(750_000);
    const adjustments = (await ledgerOf(tenantId)).filter((e) => e.kind === "adjustment");
    expect(adjustments).toMatchObject([{ amountMicros: -250_000, reason: "goodwill reversal", actorId: op.userId }]);

    // The audit entry is there, for the tenant's managers too, and cannot be rolled back.
    const audit = await call(`/api/audit?entity_id=${results[0]!.id}`, { headers: owner.headers });
    const entries = (await json<{ data: { id: string; entity_type: string; action: string; actor_id: string; after: Record<string, unknown> }[] }>(audit)).data;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      entity_type: "ledger_adjustment",
      action: "adjust",
      actor_id: op.userId,
      after: { amountMicros: -250_000, reason: "goodwill reversal" },
    });
    const undo = await rollback(owner, entries[0]!.id);
    expect(undo.status).toBe(400);
    expect(await json(undo)).toMatchObject({ error: { code: "not_rollbackable" } });
    expect(await balanceOf(tenantId)).toBe(750_000);
  });
});

describe("GET /api/billing/ledger", () => {
  it("pages through every entry exactly once, newest first", async () => {
    const { tenantId, owner } = await billingTenant();
    const op = await operator();
    for (let i = 1; i <= 7; i++) expect((await adjust(op, { tenant_id: tenantId, amount_micros: i * 1000, reason: `entry ${i}` })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await call(`/api/billing/ledger?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { headers: owner.headers });
      expect(res.status).toBe(200);
      const page: LedgerPage = await json<LedgerPage>(res);
      seen.push(...page.data.map((e) => e.reason ?? ""));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(["entry 7", "entry 6", "entry 5", "entry 4", "entry 3", "entry 2", "entry 1"]);
    const adjustmentsOnly = await json<LedgerPage>(await call("/api/billing/ledger?kind=topup", { headers: owner.headers }));
    expect(adjustmentsOnly.data).toHaveLength(0);
    expect((await call("/api/billing/ledger?cursor=nonsense", { headers: owner.headers })).status).toBe(400);
    // Another tenant sees none of it.
    const other = await billingTenant();
    expect((await json<LedgerPage>(await call("/api/billing/ledger", { headers: other.owner.headers }))).data).toHaveLength(0);
  });
});

describe("a top-up while calls are spending", () => {
  it("ends at start + top-up − usage, to the micro-dollar, and the ledger agrees", async () => {
    const start = 2_000_000;
    const { tenantId, owner } = await billingTenant(start);
    const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "spender" }, owner.headers)));
    const { session } = await paidCheckout(owner, 10_000_000);
    const topup = deliverStripe(stripeEvent("checkout.session.completed", session));

    const chat = (i: number) =>
      call("/v1/chat/completions", jsonInit({ model: "demo/lorem", max_tokens: 200 + i, messages: [{ role: "user", content: `call ${i}` }] }, bearer(key)));
    const calls = Array.from({ length: 24 }, (_, i) => chat(i));
    const [topupRes, ...responses] = await Promise.all([topup, ...calls]);
    expect(topupRes.status).toBe(200);
    expect(responses.map((r) => r.status)).toEqual(Array(24).fill(200));
    // What each call cost, from its own usage and the demo price ($0.10 in, $0.20 out per MTok, rounded up).
    const usages = await Promise.all(responses.map((r) => json<{ usage: { prompt_tokens: number; completion_tokens: number } }>(r)));
    const usage = usages.reduce((sum, u) => sum + Math.ceil((u.usage.prompt_tokens * 100_000 + u.usage.completion_tokens * 200_000) / 1_000_000), 0);
    expect(usage).toBeGreaterThan(0);

    const status = await settledGateStatus(tenantId);
    expect(status.balanceMicros).toBe(start + 10_000_000 - usage);

    const reconciled = await json<{ balance_micros: number; ledger_micros: number; drift_micros: number }>(
      await call("/api/billing/reconcile", { headers: owner.headers }),
    );
    expect(reconciled).toMatchObject({ balance_micros: start + 10_000_000 - usage, ledger_micros: start + 10_000_000 - usage, drift_micros: 0 });
    const ledger = await ledgerOf(tenantId);
    expect(ledger.filter((e) => e.kind === "usage").reduce((s, e) => s + e.amountMicros, 0)).toBe(-usage);
    expect(ledger.filter((e) => e.kind === "topup")).toHaveLength(1);
  });
});
