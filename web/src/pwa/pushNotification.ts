// What the service worker shows for a push (issue 20): the payload the gateway sends
// ({ id, type, title, body, url, tag }) as a notification, and where a click on it goes. Only a
// path on the app's own origin is followed, so a push can never send the user elsewhere.

export interface ShownNotification {
  title: string;
  options: { body: string; icon: string; badge: string; tag: string; renotify: boolean; data: { url: string } };
}

const ICON = "/icon-192.png";
const FALLBACK_URL = "/dashboard";

const text = (value: unknown, fallback: string) => (typeof value === "string" && value.trim() ? value.slice(0, 500) : fallback);

/** A same-origin path to open; anything else (another origin, a scheme, a protocol-relative URL) is the dashboard. */
export function safePath(url: unknown): string {
  if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//") || url.includes("\\")) return FALLBACK_URL;
  return url;
}

/** The push's payload (JSON text, or none) as a notification; a payload that is not ours still shows something. */
export function notificationFor(payload: string | null): ShownNotification {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = payload ? JSON.parse(payload) : {};
    if (typeof parsed === "object" && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    data = { body: payload ?? "" };
  }
  return {
    title: text(data.title, "AI Aggregator"),
    options: {
      body: text(data.body, "You have a new alert."),
      icon: ICON,
      badge: ICON,
      tag: text(data.tag, text(data.type, "alert")),
      renotify: true,
      data: { url: safePath(data.url) },
    },
  };
}
