// Admission leases (gateway/leases.ts, gate/call-leases.ts) as a client sees them: with leases on,
// as deployed, a burst is still held to the limit and the balance exactly.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { bearer, call, createMember, createTenant, grantCredit, json, jsonInit, TENANT_ID } from "./kit/fixtures.ts";
import { createPrice, createProvider, post, settle } from "./kit/gateway.ts";

const body = { model: "demo/echo", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
const chat = (key: string) => call("/v1/chat/completions", jsonInit(body, bearer(key)));
const gate = (tenantId: string) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));

async function tenantWithKey(settings: Partial<typeof tenants.$inferInsert>, credit: number) {
  const tenantId = await createTenant();
  if (Object.keys(settings).length) await getDb(env.DB).update(tenants).set(settings).where(eq(tenants.id, tenantId));
  if (credit) await grantCredit(tenantId, credit);
  const owner = await createMember("owner", tenantId);
  const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "leases" }, owner.headers)));
  return { tenantId, key, owner };
}

async function statuses(key: string, n: number): Promise<Map<number, number>> {
  const results = await Promise.all(Array.from({ length: n }, () => chat(key)));
  const counts = new Map<number, number>();
  for (const res of results) {
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    await res.body?.cancel();
  }
  return counts;
}

describe("admission leases", () => {
  it("admit exactly 100 of 500 concurrent calls against 100 requests per minute, most without a round trip", async () => {
    const { tenantId, key } = await tenantWithKey({ rpmLimit: 100, billingEnabled: false }, 0);
    const counts = await statuses(key, 500);
    expect(Object.fromEntries(counts)).toEqual({ 200: 100, 429: 400 });
    const status = await gate(tenantId).status(tenantId);
    expect(status.leasesGranted).toBeGreaterThan(1);
  });

  it("serve at most 37 calls at once on a balance that covers 37", async () => {
    // The seeded tenant, its own provider at the mock upstream, a model that answers after 3 s:
    // every call is admitted before the first one settles and frees what it did not spend.
    const provider = await createProvider("openai-compatible", ["slow-3000"]);
    const model = provider.model("slow-3000");
    await createPrice(model, { input: 1_000_000, output: 1_000_000 });
    const request = { model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
    // Reserved per call: the prompt's bound (UTF-8 bytes + 1,024 framing tokens) and max_tokens, at 1 µ$ a token.
    const reservation = new TextEncoder().encode(JSON.stringify(request)).length + 1024 + request.max_tokens;
    const { balanceMicros } = await gate(TENANT_ID).status(TENANT_ID);
    await grantCredit(TENANT_ID, reservation * 37 + reservation - 1 - balanceMicros);
    const results = await Promise.all(Array.from({ length: 200 }, () => post("/v1/chat/completions", request)));
    const served = results.filter((r) => r.status === 200).length;
    expect(served).toBe(37);
    expect(results.filter((r) => r.status === 402)).toHaveLength(163);
    await settle();
    // Every lease handed back and every call settled: nothing is held, and the books agree.
    let held = await gate(TENANT_ID).status(TENANT_ID);
    for (let i = 0; i < 100 && held.openReservations > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      held = await gate(TENANT_ID).status(TENANT_ID);
    }
    expect(held).toMatchObject({ openReservations: 0, reservedMicros: 0 });
    expect(held.balanceMicros).toBeGreaterThanOrEqual(0);
    expect(held.leasesGranted).toBeGreaterThan(0);
    expect((await gate(TENANT_ID).reconcile(TENANT_ID)).driftMicros).toBe(0);
  });

  it("do not keep a bigger call from credit the balance has: the isolate hands its leases back and asks again", async () => {
    const { key } = await tenantWithKey({}, 20_000);
    expect((await chat(key)).status).toBe(200); // brings a lease holding part of the credit
    const big = { model: "demo/echo", max_tokens: 10, messages: [{ role: "user", content: "x".repeat(178_000) }] };
    // demo/echo: 0.1 µ$ per input token, 0.2 per output token; the prompt is bounded by its bytes + 1,024.
    const reservation = Math.ceil(((new TextEncoder().encode(JSON.stringify(big)).length + 1024) * 100_000 + 10 * 200_000) / 1_000_000);
    expect(reservation).toBeGreaterThan(16_000); // more than the lease left free
    expect(reservation).toBeLessThan(19_500); // less than the balance
    const res = await call("/v1/chat/completions", jsonInit(big, bearer(key)));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("stop admitting a key at once when it is revoked in this isolate", async () => {
    const { key, owner } = await tenantWithKey({ billingEnabled: false }, 0);
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(200); // from the lease the first call brought
    const { data } = await json<{ data: { id: string }[] }>(await call("/api/keys", { headers: owner.headers }));
    expect((await call(`/api/keys/${data[0]!.id}`, { method: "DELETE", headers: owner.headers })).status).toBeLessThan(300);
    expect((await chat(key)).status).toBe(401);
  });
});
