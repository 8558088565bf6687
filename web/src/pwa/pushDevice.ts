// This browser as a device that receives alerts: the Push API around the service worker's
// registration. The server keeps the subscription (POST /api/push/subscriptions); the id it
// gave is remembered here so the Settings page can tell which listed device is this one.

export type PushAvailability =
  /** No service worker or no Push API (e.g. iOS Safari outside an installed PWA, or a private window). */
  | "unsupported"
  /** The user blocked notifications for this site: only the browser's site settings can undo it. */
  | "denied"
  | "available";

export const THIS_DEVICE_KEY = "aggregator.push-device";

export function pushAvailability(): PushAvailability {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator) || typeof PushManager === "undefined" || typeof Notification === "undefined") {
    return "unsupported";
  }
  return Notification.permission === "denied" ? "denied" : "available";
}

/** base64url (as the server gives the VAPID key) to the bytes PushManager.subscribe takes. */
export function base64UrlBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(value.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface DeviceSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export class PushSetupError extends Error {
  constructor(readonly reason: "unsupported" | "denied" | "failed") {
    super(reason);
  }
}

function asDeviceSubscription(json: PushSubscriptionJSON): DeviceSubscription {
  const { endpoint, keys } = json;
  if (!endpoint || !keys?.p256dh || !keys.auth) throw new PushSetupError("failed");
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
}

/**
 * Asks for permission (from a click: browsers refuse otherwise) and subscribes with the server's
 * VAPID key. A subscription made with another key (another server) is replaced.
 */
export async function subscribeThisDevice(vapidPublicKey: string): Promise<DeviceSubscription> {
  if (pushAvailability() === "unsupported") throw new PushSetupError("unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new PushSetupError("denied");
  const registration = await navigator.serviceWorker.ready;
  const key = base64UrlBytes(vapidPublicKey);
  const existing = await registration.pushManager.getSubscription();
  if (existing && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  try {
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    return asDeviceSubscription(subscription.toJSON());
  } catch {
    throw new PushSetupError("failed");
  }
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((v, i) => v === b[i]);
}

/** Stops this browser's subscription (the server's row is removed by the caller). */
export async function unsubscribeThisDevice(): Promise<void> {
  if (pushAvailability() === "unsupported") return;
  const registration = await navigator.serviceWorker.ready;
  await (await registration.pushManager.getSubscription())?.unsubscribe();
}

export const thisDeviceId = (): string | null => localStorage.getItem(THIS_DEVICE_KEY);
export const rememberThisDevice = (id: string | null): void => (id ? localStorage.setItem(THIS_DEVICE_KEY, id) : localStorage.removeItem(THIS_DEVICE_KEY));

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone/, "iPhone"],
  [/iPad/, "iPad"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];
const firstMatch = (table: [RegExp, string][], text: string) => table.find(([pattern]) => pattern.test(text))?.[1];

/** A name for this device from its user agent, e.g. "Chrome on Android"; the user may change it. */
export function deviceLabel(userAgent: string): string {
  const browser = firstMatch(BROWSERS, userAgent) ?? "Browser";
  const system = firstMatch(SYSTEMS, userAgent);
  return system ? `${browser} on ${system}` : browser;
}
