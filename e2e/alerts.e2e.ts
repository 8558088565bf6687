// Alerts on a person's devices (issue 20), in Chromium: the Settings page subscribes this
// browser, the gateway's test push reaches a push service (the mock on 127.0.0.1, which checks
// VAPID and decrypts it), and that payload delivered to the app's real service worker shows
// the notification. Preferences and the tenant's Slack webhook are set on a 360 px phone.
//
// What the headless Chromium here cannot do is injected, and only that: it has no push service
// (PushManager.subscribe fails "push service not available") and denies notifications. So the
// page gets a PushManager that answers with a subscription from the mock, and the service worker
// records showNotification's arguments instead of drawing on a screen that is not there. The
// push event itself is Chromium's, delivered through the DevTools protocol.
import type { Browser, BrowserContext, Page, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type PushServiceMock, startPushService } from "../test/mocks/push-service.ts";
import { launchBrowser } from "./browser.ts";
import { PHONE, screenshots, signedInPage, signIn, watchProblems } from "./helpers.ts";

const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

interface Received {
  id: string;
  payload: { id: string; type: string; title: string; body: string; url: string; tag: string };
  vapidSub: string;
}

let browser: Browser;
let push: PushServiceMock;
beforeAll(async () => {
  [browser, push] = await Promise.all([launchBrowser(), startPushService()]);
});
afterAll(async () => {
  await browser?.close();
  await push?.close();
});

const pushBase = () => `http://127.0.0.1:${push.port}`;

/** The page's PushManager answers with this subscription; notifications count as allowed. */
async function injectSubscription(context: BrowserContext, subscription: { endpoint: string; keys: { p256dh: string; auth: string } }) {
  await context.addInitScript((sub) => {
    const fake = { endpoint: sub.endpoint, options: { applicationServerKey: null }, toJSON: () => sub, unsubscribe: async () => true };
    let subscribed = false;
    PushManager.prototype.subscribe = async () => {
      subscribed = true;
      return fake as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async () => (subscribed ? (fake as unknown as PushSubscription) : null);
    let permission: NotificationPermission = "default";
    Object.defineProperty(Notification, "permission", { get: () => permission });
    Notification.requestPermission = async () => (permission = "granted");
  }, subscription);
}

/** The app's service worker, with showNotification recorded (headless Chromium draws none). */
async function recordingServiceWorker(context: BrowserContext, page: Page): Promise<Worker> {
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  await worker.evaluate(() => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; shown: unknown[] };
    scope.shown = [];
    scope.registration.showNotification = async (title: string, options?: NotificationOptions) => void scope.shown.push({ title, options });
  });
  return worker;
}

/** A push message delivered by Chromium to the page's service worker registration. */
async function deliverPush(context: BrowserContext, page: Page, data: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
  await cdp.send("ServiceWorker.enable");
  await expect.poll(() => registrations.find((r) => !r.isDeleted && r.scopeURL === `${origin}/`)).toBeTruthy();
  const { registrationId } = registrations.find((r) => !r.isDeleted && r.scopeURL === `${origin}/`)!;
  await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId, data });
}

describe("alerts on a person's devices", () => {
  it("subscribes this browser from Settings, and the gateway's test push, decrypted, shows as a notification", async () => {
    const subscription = (await (await fetch(`${pushBase()}/__subscribe`, { method: "POST" })).json()) as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    const context = await browser.newContext({ viewport: PHONE });
    await injectSubscription(context, subscription);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/settings`);
    const devices = page.getByRole("region", { name: "Alerts on your devices" });
    await devices.getByLabel("Name of this device").fill("E2E phone");
    await devices.getByRole("button", { name: "Receive alerts on this device" }).click();
    await expect.poll(() => devices.getByRole("heading", { name: "E2E phone This device" }).count()).toBe(1);

    const worker = await recordingServiceWorker(context, page);
    await devices.getByRole("button", { name: "Send a test notification" }).click();
    await expect.poll(() => devices.getByText("Test sent").count()).toBe(1);

    const id = subscription.endpoint.split("/").at(-1);
    const got = await expect
      .poll(async () => ((await (await fetch(`${pushBase()}/__received`)).json()) as Received[]).filter((r) => r.id === id), { timeout: 15_000 })
      .toHaveLength(1)
      .then(async () => ((await (await fetch(`${pushBase()}/__received`)).json()) as Received[]).find((r) => r.id === id)!);
    expect(got.payload).toMatchObject({ type: "test", url: "/settings", tag: "test" });

    await deliverPush(context, page, JSON.stringify(got.payload));
    await expect.poll(() => worker.evaluate(() => (self as unknown as { shown: unknown[] }).shown.length)).toBe(1);
    const [shown] = await worker.evaluate(() => (self as unknown as { shown: { title: string; options: NotificationOptions }[] }).shown);
    expect(shown).toEqual({
      title: got.payload.title,
      options: expect.objectContaining({ body: got.payload.body, tag: "test", icon: "/icon-192.png", data: { url: "/settings" } }),
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("sets which alerts reach me and the tenant's Slack webhook on a phone, kept after a reload", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword, { viewport: PHONE });
    await page.goto(`${origin}/settings`);
    const mine = page.getByRole("region", { name: "Your alerts" });
    await mine.getByLabel("Balance low: E-mail").check();
    await mine.getByLabel("Quiet hours").check();
    await mine.getByLabel("From").fill("23:30");
    await mine.getByRole("button", { name: "Save alert preferences" }).click();
    await expect.poll(() => mine.getByText("Saved.").count()).toBe(1);

    const channels = page.getByRole("region", { name: "Alert channels of the tenant" });
    await channels.getByLabel("Slack incoming webhook").fill("https://hooks.slack.com/services/T000/B000/e2e");
    await channels.getByRole("button", { name: "Save channels" }).click();
    await expect.poll(() => channels.getByText("Saved.").count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshots(page, "settings-alerts");

    await page.reload();
    await expect.poll(() => page.getByRole("region", { name: "Your alerts" }).getByLabel("Balance low: E-mail").isChecked()).toBe(true);
    expect(await page.getByRole("region", { name: "Your alerts" }).getByLabel("From").inputValue()).toBe("23:30");
    expect(await page.getByRole("region", { name: "Alert channels of the tenant" }).getByLabel("Slack incoming webhook").inputValue()).toBe(
      "https://hooks.slack.com/services/T000/B000/e2e",
    );
    // Leave the workbench's tenant as it was for the other files.
    await page.getByRole("region", { name: "Alert channels of the tenant" }).getByLabel("Slack incoming webhook").fill("");
    await page.getByRole("region", { name: "Alert channels of the tenant" }).getByRole("button", { name: "Save channels" }).click();
    await expect.poll(() => page.getByRole("region", { name: "Alert channels of the tenant" }).getByText("Saved.").count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
