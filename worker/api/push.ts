// /api/push: Web Push to the installed PWA. The server's VAPID public key, the signed-in user's
// devices (their PushSubscriptions, each with a label and when it was last used), and a test
// push. A device's endpoint is a push service's URL: a tenant's user may name only a public
// https one (the provider URL rules), so a subscription cannot point the gateway inside a network.
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { fromBase64Url } from "../core/security/hash.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { iso } from "../core/time.ts";
import {
  deleteSubscription,
  forgetSubscription,
  listSubscriptions,
  MAX_DEVICES_PER_USER,
  type PushSubscriptionRow,
  saveSubscription,
  touchSubscription,
} from "../db/alert-recipients.ts";
import { type Db, getDb } from "../db/client.ts";
import { countAttempt, PUSH_TEST_LIMIT, waitMs } from "../db/throttle.ts";
import type { Env } from "../env.ts";
import { sendPush } from "../services/push.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const base64urlOf = (bytes: number, what: string) =>
  z
    .string()
    .max(200)
    .refine((value) => {
      try {
        return /^[A-Za-z0-9_-]+={0,2}$/.test(value) && fromBase64Url(value).byteLength === bytes;
      } catch {
        return false;
      }
    }, `${what}: ${bytes} bytes, base64url`);

const subscribeBody = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, error: "The push service's URL." }).max(2048),
  keys: z.strictObject({ p256dh: base64urlOf(65, "p256dh"), auth: base64urlOf(16, "auth") }),
  label: z.string().trim().min(1).max(100).default("Browser").describe("What the user calls the device, e.g. 'Pixel 9'"),
});

const deviceView = z.object({
  id: z.string(),
  label: z.string(),
  push_service: z.string().describe("The endpoint's origin (the full endpoint is a secret of the device)"),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});

function deviceJson(row: PushSubscriptionRow): z.output<typeof deviceView> {
  return { id: row.id, label: row.label, push_service: new URL(row.endpoint).origin, created_at: iso(row.createdAt)!, last_used_at: iso(row.lastUsedAt) };
}

export const VAPID_SUBJECT_DEFAULT = "mailto:alerts@localhost";

/** The server's VAPID identity, or 503 when the keys are not set (docs/notifications.md). */
export function vapidOf(env: Env): { publicKey: string; privateKey: string; subject: string } {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) {
    throw new AppError("unavailable", "Web Push is not configured on this server (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY).", { code: "not_configured" });
  }
  return { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT || VAPID_SUBJECT_DEFAULT };
}

const testResult = z.object({
  data: z.array(z.object({ id: z.string(), label: z.string(), outcome: z.enum(["sent", "gone", "retry", "failed"]), status: z.int().optional() })),
});

/** Each test posts to every device's push service, so a user may send a few in a window, not a stream. */
async function admitTestPush(db: Db, userId: string): Promise<void> {
  const now = Date.now();
  const [counted] = await countAttempt(db, [`pushtest:${userId}`], now);
  const wait = counted ? waitMs(counted, now) : 0;
  if (wait === 0) return;
  const seconds = Math.ceil(wait / 1000);
  throw new AppError("rate_limit", `At most ${PUSH_TEST_LIMIT} test notifications in 15 minutes. Try again in ${seconds} seconds.`, {
    code: "too_many_tests",
    headers: { "retry-after": String(seconds) },
  });
}

/** A test notification to each of the caller's devices now; a device its push service calls gone is forgotten. */
async function testPush(c: ApiContext) {
  const vapid = vapidOf(c.env);
  const db = getDb(c.env.DB);
  await admitTestPush(db, c.var.user.id);
  const devices = await listSubscriptions(db, c.var.user.id);
  const payload = {
    id: newId("ntf"),
    type: "test",
    title: "AI Aggregator",
    body: "Test notification: this device receives alerts.",
    url: "/settings",
    tag: "test",
  };
  const data = await Promise.all(
    devices.map(async (d) => {
      const result = await sendPush({ endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth } }, payload, vapid, { urgency: "normal", ttlSeconds: 300 });
      if (result.outcome === "gone") await forgetSubscription(db, d.id);
      if (result.outcome === "sent") await touchSubscription(db, d.id, Date.now());
      return { id: d.id, label: d.label, outcome: result.outcome, ...(result.status !== undefined ? { status: result.status } : {}) };
    }),
  );
  return { data };
}

export const pushApi = new ApiRouter("push")
  .endpoint(
    "get",
    "/vapid-public-key",
    {
      summary: "The server's VAPID public key, for PushManager.subscribe's applicationServerKey.",
      access: "signed-in",
      response: z.object({ public_key: z.string() }),
    },
    async (c) => c.json({ public_key: vapidOf(c.env).publicKey }),
  )
  .endpoint(
    "get",
    "/subscriptions",
    { summary: "The signed-in user's devices that receive alerts.", access: "signed-in", response: z.object({ data: z.array(deviceView) }) },
    async (c) => c.json({ data: (await listSubscriptions(getDb(c.env.DB), c.var.user.id)).map(deviceJson) }),
  )
  .endpoint(
    "post",
    "/subscriptions",
    {
      summary: "Register this device (its PushSubscription) for the signed-in user; the same endpoint again replaces it.",
      description: "A tenant's user may name only a public https push service (400 url_not_allowed). At most 20 devices per user.",
      access: "signed-in",
      body: subscribeBody,
      status: 201,
      response: deviceView,
    },
    async (c, { body }) => {
      assertConfigurableUrl(c, body.endpoint, "endpoint");
      const db = getDb(c.env.DB);
      const mine = await listSubscriptions(db, c.var.user.id);
      if (mine.length >= MAX_DEVICES_PER_USER && !mine.some((d) => d.endpoint === body.endpoint)) {
        throw new AppError("conflict", `At most ${MAX_DEVICES_PER_USER} devices; remove one first.`, { code: "too_many_devices" });
      }
      const row: PushSubscriptionRow = {
        id: newId("psub"),
        userId: c.var.user.id,
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
        label: body.label,
        createdAt: Date.now(),
        lastUsedAt: null,
      };
      await saveSubscription(db, row);
      return c.json(deviceJson(row), 201);
    },
  )
  .endpoint("delete", "/subscriptions/:id", { summary: "Stop sending alerts to one of the user's devices.", access: "signed-in", status: 204 }, async (c) => {
    if (!(await deleteSubscription(getDb(c.env.DB), c.var.user.id, c.req.param("id")!))) {
      throw new AppError("not_found", "No such device.", { code: "device_not_found" });
    }
    return c.body(null, 204);
  })
  .endpoint(
    "post",
    "/test",
    {
      summary: "Send a test notification to each of the user's devices now, and say how each went.",
      description: "At most 5 in 15 minutes per user (429 too_many_tests with Retry-After).",
      access: "signed-in",
      response: testResult,
    },
    async (c) => c.json(await testPush(c)),
  );
