// Alerts that reach people (issue 20): Web Push to a member's devices (decrypted and its VAPID
// checked by the mock push service), only for members whose role may see the alert and who want
// it, at most once per device, a device the push service calls gone forgotten; Slack and e-mail
// from the same fan-out; the delivery status on each alert; the device API and its URL rules.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { gateFor } from "../worker/gateway/gate.ts";
import worker from "../worker/index.ts";
import { getDb } from "../worker/db/client.ts";
import { memberships, pushSubscriptions, tenants } from "../worker/db/schema.ts";
import { call, createMember, json, jsonInit, type Member, ORIGIN } from "./kit/fixtures.ts";
import { eventually } from "./kit/gateway.ts";
import { expectNotifications, type NotificationJson } from "./kit/notifications.ts";
import { billingTenant, mockJson, stripeBase } from "./kit/payments.ts";

const PUSH = () => `http://127.0.0.1:${env.PUSH_MOCK_PORT}`;

interface Received {
  id: string;
  payload: { id: string; type: string; title: string; body: string; url: string; tag: string };
  headers: { ttl: string | null; urgency: string | null; topic: string | null };
  vapidSub: string;
  vapidKey: string;
}

interface Device {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const newDevice = async (as?: "gone" | "flaky"): Promise<Device> =>
  (await (await fetch(`${PUSH()}/__subscribe${as ? `?as=${as}` : ""}`, { method: "POST" })).json()) as Device;

const received = async (): Promise<Received[]> => (await (await fetch(`${PUSH()}/__received`)).json()) as Received[];
const idOf = (device: Device) =>
  device.endpoint
    .split("/")
    .at(-1)!
    .replace(/^(flaky|gone)-/, "");

async function subscribe(member: Member, device: Device, label: string) {
  return call("/api/push/subscriptions", jsonInit({ ...device, label }, member.headers));
}

const lowBalance = async (tenantId: string, owner: Member) => {
  const set = await call("/api/notifications/settings", jsonInit({ low_balance_micros: 5_000_000 }, owner.headers, "PUT"));
  expect(set.status).toBe(200);
  await gateFor(env, tenantId).credit(tenantId, {
    idempotencyKey: `debit:${crypto.randomUUID()}`,
    kind: "adjustment",
    amountMicros: -6_000_000,
    reason: "test",
  });
};

describe("Web Push", () => {
  it("reaches each device of each member who may see the alert, encrypted and signed, once", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    // The operator may register the mock's http endpoint; a tenant's member only a public https one.
    const owner = await createMember("owner", tenantId, { operator: true });
    const viewer = await createMember("viewer", tenantId);
    const [phone, laptop, viewers] = [await newDevice(), await newDevice(), await newDevice()];
    expect((await subscribe(owner, phone, "Phone")).status).toBe(201);
    expect((await subscribe(owner, laptop, "Laptop")).status).toBe(201);
    // A viewer may not see balance alerts: their device (put in directly) gets nothing.
    await getDb(env.DB)
      .insert(pushSubscriptions)
      .values({
        id: `psub_${crypto.randomUUID()}`,
        userId: viewer.userId,
        endpoint: viewers.endpoint,
        p256dh: viewers.keys.p256dh,
        auth: viewers.keys.auth,
        label: "V",
      });

    await lowBalance(tenantId, owner);
    const [alert] = await expectNotifications(owner, 1);
    const mine = await eventually(
      async () => (await received()).filter((r) => r.payload.id === alert!.id),
      (list) => list.length >= 2,
    );
    expect(mine.map((r) => r.id).sort()).toEqual([idOf(phone), idOf(laptop)].sort());
    expect(mine[0]!.payload).toMatchObject({ type: "balance.low", url: "/billing", tag: "balance.low" });
    expect(mine[0]!.payload.title).toMatch(/balance/i);
    expect(mine[0]!.headers.urgency).toBe("high");
    expect(mine[0]!.vapidKey).toBe(env.VAPID_PUBLIC_KEY);
    expect(mine[0]!.vapidSub).toBe("mailto:alerts@example.com");
    expect((await received()).some((r) => r.id === idOf(viewers))).toBe(false);

    const listed = await eventually(
      async () =>
        (
          await json<{ data: (NotificationJson & { deliveries: { channel: string; label: string; status: string }[] })[] }>(
            await call("/api/notifications", { headers: owner.headers }),
          )
        ).data[0]!,
      (n) => n.deliveries.filter((d) => d.status === "delivered").length === 2,
    );
    expect(listed.deliveries.map((d) => d.label).sort()).toEqual([`${owner.email}: Laptop`, `${owner.email}: Phone`]);
    // A later alarm sends nothing again: one delivery per device and alert.
    await gateFor(env, tenantId).credit(tenantId, { idempotencyKey: `noop:${crypto.randomUUID()}`, kind: "adjustment", amountMicros: 1, reason: "test" });
    expect((await received()).filter((r) => r.payload.id === alert!.id)).toHaveLength(2);
  });

  it("tells a member of several tenants which tenant: its name in the title, its id in the tag and the link", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const { tenantId: otherTenant } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId, { operator: true });
    await getDb(env.DB).insert(memberships).values({ tenantId: otherTenant, userId: owner.userId, role: "viewer", createdAt: Date.now() });
    const phone = await newDevice();
    expect((await subscribe(owner, phone, "Phone")).status).toBe(201);
    const tenant = await getDb(env.DB).select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId)).get();

    await lowBalance(tenantId, owner);
    const [alert] = await expectNotifications(owner, 1);
    const [push] = await eventually(
      async () => (await received()).filter((r) => r.payload.id === alert!.id),
      (list) => list.length >= 1,
    );
    expect(push!.payload).toMatchObject({ url: `/billing?tenant=${tenantId}`, tag: `${tenantId}:balance.low` });
    expect(push!.payload.title).toBe(`Balance is low · ${tenant!.name}`);
  });

  it("forgets a device its push service calls gone, and retries one that fails for a while", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId, { operator: true });
    const [gone, flaky] = [await newDevice("gone"), await newDevice("flaky")];
    await subscribe(owner, gone, "Old phone");
    await subscribe(owner, flaky, "Flaky");
    await lowBalance(tenantId, owner);
    const [alert] = await expectNotifications(owner, 1);
    const devices = async () =>
      (await json<{ data: { label: string }[] }>(await call("/api/push/subscriptions", { headers: owner.headers }))).data.map((d) => d.label);
    expect(await eventually(devices, (list) => !list.includes("Old phone"))).toEqual(["Flaky"]);
    const statuses = await eventually(
      async () =>
        (
          await json<{ data: (NotificationJson & { deliveries: { label: string; status: string; last_error: string | null }[] })[] }>(
            await call("/api/notifications", { headers: owner.headers }),
          )
        ).data[0]!.deliveries,
      (list) => list.some((d) => d.label.endsWith("Old phone") && d.status === "failed"),
    );
    expect(statuses.find((d) => d.label.endsWith("Old phone"))!.last_error).toMatch(/removed/);
    // The flaky device got a 503 first: it waits its backoff, then gets it.
    expect(statuses.find((d) => d.label.endsWith("Flaky"))!.status).toMatch(/pending|delivered/);
    void alert;
  });

  it("follows each member's choices: nothing by push when they switched the type off", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId, { operator: true });
    const device = await newDevice();
    await subscribe(owner, device, "Phone");
    const prefs = await call("/api/notifications/preferences", jsonInit({ push: ["provider.down"], email: [], quiet_hours: null }, owner.headers, "PUT"));
    expect(prefs.status, await prefs.clone().text()).toBe(200);
    expect(await json(await call("/api/notifications/preferences", { headers: owner.headers }))).toEqual({
      push: ["provider.down"],
      email: [],
      quiet_hours: null,
      language: "en",
    });
    await lowBalance(tenantId, owner);
    const [alert] = await expectNotifications(owner, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await received()).filter((r) => r.payload.id === alert!.id)).toHaveLength(0);
  });
});

describe("the device API", () => {
  it("gives the VAPID key, refuses an internal endpoint from a tenant's member, lists and removes devices, and sends a few test pushes", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const member = await createMember("developer", tenantId);
    const key = await json<{ public_key: string }>(await call("/api/push/vapid-public-key", { headers: member.headers }));
    expect(key.public_key).toBe(env.VAPID_PUBLIC_KEY);
    const device = await newDevice();
    const refused = await subscribe(member, device, "Phone");
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: { code: "url_not_allowed" } });
    const bad = await call(
      "/api/push/subscriptions",
      jsonInit({ endpoint: "https://push.example.com/x", keys: { p256dh: "short", auth: "x" } }, member.headers),
    );
    expect(bad.status).toBe(400);

    const operator = await createMember("owner", tenantId, { operator: true });
    const created = await json<{ id: string; label: string; push_service: string }>(await subscribe(operator, device, "Phone"));
    expect(created).toMatchObject({ label: "Phone", push_service: PUSH() });
    const test = await json<{ data: { outcome: string }[] }>(await call("/api/push/test", { method: "POST", headers: operator.headers }));
    expect(test.data).toEqual([expect.objectContaining({ outcome: "sent" })]);
    expect((await received()).some((r) => r.id === idOf(device) && r.payload.title === "AI Aggregator")).toBe(true);
    // A few tests in 15 minutes, not a stream of posts to push services.
    for (let i = 1; i < 5; i++) expect((await call("/api/push/test", { method: "POST", headers: operator.headers })).status).toBe(200);
    const sixth = await call("/api/push/test", { method: "POST", headers: operator.headers });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await json(sixth)).toMatchObject({ error: { code: "too_many_tests" } });
    // Another user cannot remove it; its owner can.
    expect((await call(`/api/push/subscriptions/${created.id}`, { method: "DELETE", headers: member.headers })).status).toBe(404);
    expect((await call(`/api/push/subscriptions/${created.id}`, { method: "DELETE", headers: operator.headers })).status).toBe(204);
    expect((await json<{ data: unknown[] }>(await call("/api/push/subscriptions", { headers: operator.headers }))).data).toEqual([]);
  });
});

describe("Slack and e-mail", () => {
  const hook = async (name: string, atLeast: number) =>
    eventually(
      () => mockJson<{ headers: Record<string, string>; body: string }[]>(stripeBase(), `/__hooks/${name}`),
      (items) => items.length >= atLeast,
    );

  it("writes the tenant's Slack messages in the language the tenant chose", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId, { operator: true });
    const slack = `slack-ru-${crypto.randomUUID()}`;
    const german = await call("/api/notifications/settings", jsonInit({ slack_language: "de" }, owner.headers, "PUT"));
    expect(german.status).toBe(400);
    const set = await call(
      "/api/notifications/settings",
      jsonInit({ slack_webhook_url: `${stripeBase()}/__hooks/${slack}`, slack_language: "ru" }, owner.headers, "PUT"),
    );
    expect(await json(set)).toMatchObject({ slack_language: "ru" });
    await lowBalance(tenantId, owner);

    const [posted] = await hook(slack, 1);
    const message = JSON.parse(posted!.body) as { text: string; blocks: { type: string; elements?: { text: { text: string } }[] }[] };
    expect(message.text).toMatch(/^Баланс на исходе: Баланс 4,00 \$/);
    expect(message.blocks[2]!.elements![0]!.text.text).toBe("Открыть панель");
  });

  it("posts to the tenant's Slack webhook and mails the members who asked, each once, with the delivery status on the alert", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId, { operator: true });
    const admin = await createMember("admin", tenantId);
    const slack = `slack-${crypto.randomUUID()}`;
    const set = await call("/api/notifications/settings", jsonInit({ slack_webhook_url: `${stripeBase()}/__hooks/${slack}` }, owner.headers, "PUT"));
    expect(set.status, await set.clone().text()).toBe(200);
    expect(await json(set)).toMatchObject({ slack_webhook_url: `${stripeBase()}/__hooks/${slack}`, slack_language: "en" });
    await call("/api/notifications/preferences", jsonInit({ push: [], email: ["balance.low"], quiet_hours: null }, owner.headers, "PUT"));
    const russian = await call(
      "/api/notifications/preferences",
      jsonInit({ push: [], email: ["balance.low"], quiet_hours: null, language: "ru" }, admin.headers, "PUT"),
    );
    expect(await json(russian)).toMatchObject({ language: "ru" });
    await lowBalance(tenantId, owner);
    const [alert] = await expectNotifications(owner, 1);

    const [posted] = await hook(slack, 1);
    const message = JSON.parse(posted!.body) as { text: string; blocks: { type: string; elements?: { url: string }[] }[] };
    expect(message.text).toMatch(/Balance is low/);
    expect(message.blocks.map((b) => b.type)).toEqual(["header", "section", "actions"]);
    expect(message.blocks[2]!.elements![0]!.url).toBe("https://dashboard.example.com/billing");

    const mails = (await hook("mail-api", 1)).map((m) => ({
      headers: m.headers,
      body: JSON.parse(m.body) as { to: string[]; subject: string; text: string; html: string },
    }));
    const mine = mails.find((m) => m.body.to[0] === owner.email)!;
    expect(mine.headers.authorization).toBe("Bearer mail-secret");
    expect(mine.body.subject).toBe("AI Aggregator: Balance is low");
    expect(mine.body.text).toContain("https://dashboard.example.com/billing");
    expect(mine.body.html).toContain('<a href="https://dashboard.example.com/billing"');
    const theirs = (await hook("mail-api", 2)).map((m) => JSON.parse(m.body) as { to: string[]; subject: string }).find((m) => m.to[0] === admin.email)!;
    expect(theirs.subject).toBe("AI Aggregator: Баланс на исходе");

    const deliveries = await eventually(
      async () =>
        (
          await json<{ data: (NotificationJson & { deliveries: { channel: string; label: string; status: string }[] })[] }>(
            await call("/api/notifications", { headers: owner.headers }),
          )
        ).data.find((n) => n.id === alert!.id)!.deliveries,
      (list) => list.length === 3 && list.every((d) => d.status === "delivered"),
    );
    expect(deliveries.map((d) => [d.channel, d.label]).sort()).toEqual(
      [
        ["email", admin.email],
        ["email", owner.email],
        ["slack", "Slack"],
      ].sort(),
    );
    expect((await hook(slack, 1)).length).toBe(1);
  });

  it("refuses a tenant's Slack URL at an internal address", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const admin = await createMember("admin", tenantId);
    const res = await call("/api/notifications/settings", jsonInit({ slack_webhook_url: "http://10.1.2.3/hook" }, admin.headers, "PUT"));
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "url_not_allowed" } });
  });
});

describe("Invitations by e-mail", () => {
  const mailsTo = async (to: string) =>
    (await mockJson<{ body: string }[]>(stripeBase(), "/__hooks/mail-api"))
      .map((m) => JSON.parse(m.body) as { to: string[]; subject: string; text: string; html: string })
      .filter((m) => m.to[0] === to);
  const invite = async (owner: Member, body: Record<string, unknown>) => {
    const res = await call("/api/users/invitations", jsonInit(body, owner.headers));
    expect(res.status, await res.clone().text()).toBe(201);
    return json<{ link: string; email_delivery: string }>(res);
  };

  it("mails the link in the invitee's language, still answers it, and sends no more than the daily allowance", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const owner = await createMember("owner", tenantId);
    const to = `invitee-${crypto.randomUUID()}@example.com`;
    const sent = await invite(owner, { email: to, role: "viewer", language: "ru" });
    expect(sent.email_delivery).toBe("sent");
    const [mail] = await mailsTo(to);
    expect(mail!.subject).toMatch(/^Приглашение в /);
    expect(mail!.text).toContain(sent.link);
    expect(mail!.html).toContain(`href="${sent.link}"`);

    const quiet = `quiet-${crypto.randomUUID()}@example.com`;
    expect((await invite(owner, { email: quiet, role: "viewer", send_email: false })).email_delivery).toBe("not_requested");
    expect(await mailsTo(quiet)).toEqual([]);

    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) outcomes.push((await invite(owner, { email: `bulk-${i}-${crypto.randomUUID()}@example.com`, role: "viewer" })).email_delivery);
    // 20 e-mails a day: one before, 19 of these; the one not asked to be mailed does not count.
    expect(outcomes.filter((o) => o === "sent")).toHaveLength(19);
    expect(outcomes.at(-1)).toBe("limited");
  });

  it("stops e-mailing invitations once the whole platform's daily allowance is used, counting only e-mails sent", async () => {
    const emailedToday = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE emailed_at >= ?")
      .bind(Date.now() - 86_400_000)
      .first<{ n: number }>();
    const roomForOne = { ...env, MAIL_INVITATIONS_PER_DAY: String(emailedToday!.n + 1) };
    const inviteWith = async (owner: Member, email: string, sendEmail: boolean, bindings: typeof env) => {
      const init = jsonInit({ email, role: "viewer", send_email: sendEmail }, owner.headers);
      const res = await worker.fetch(new Request(`${ORIGIN}/api/users/invitations`, init), bindings, createExecutionContext());
      expect(res.status).toBe(201);
      return json<{ email: string; link: string; email_delivery: string }>(res);
    };
    const idle = await createMember("owner", (await billingTenant(10_000_000)).tenantId);
    const owner = await createMember("owner", (await billingTenant(10_000_000)).tenantId);
    // Another tenant's invitations without e-mail leave the allowance alone.
    for (let i = 0; i < 3; i++) await inviteWith(idle, `unmailed-${i}-${crypto.randomUUID()}@example.com`, false, roomForOne);
    const first = `first-${crypto.randomUUID()}@example.com`;
    expect((await inviteWith(owner, first, true, roomForOne)).email_delivery).toBe("sent");

    const capped = `capped-${crypto.randomUUID()}@example.com`;
    const answer = await inviteWith(owner, capped, true, roomForOne);
    expect(answer).toMatchObject({ email: capped, email_delivery: "limited", link: expect.stringContaining("/invite/") });
    expect(await mailsTo(capped)).toEqual([]);
    expect(await mailsTo(first)).toHaveLength(1);
  });
});
