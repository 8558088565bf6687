import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PushDevice } from "../../api/types";
import { thisDeviceId } from "../../pwa/pushDevice";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session } from "../../test/fetch";
import { PushDevicesCard } from "./PushDevicesCard";

const KEY = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U";
const LAPTOP: PushDevice = {
  id: "psub_laptop",
  label: "Firefox on Linux",
  push_service: "https://updates.push.services.mozilla.com",
  created_at: "2026-11-01T10:00:00.000Z",
  last_used_at: null,
};

function browserWithPush(permission: NotificationPermission = "default") {
  const unsubscribe = vi.fn(async () => true);
  const subscription = {
    options: { applicationServerKey: null },
    toJSON: () => ({ endpoint: "https://fcm.googleapis.com/fcm/send/abc", keys: { p256dh: "p", auth: "a" } }),
    unsubscribe,
  };
  const pushManager = { subscribe: vi.fn(async () => subscription), getSubscription: vi.fn(async () => subscription) };
  vi.stubGlobal("PushManager", function PushManager() {});
  vi.stubGlobal("Notification", { permission, requestPermission: vi.fn(async () => (permission === "default" ? "granted" : permission)) });
  Object.defineProperty(navigator, "serviceWorker", { configurable: true, value: { ready: Promise.resolve({ pushManager }) } });
  return { pushManager, unsubscribe };
}

afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "serviceWorker");
  localStorage.clear();
});

describe("alert devices", () => {
  it("enables this browser under a name, then marks it as this device", async () => {
    signIn(session("tok"));
    const { pushManager } = browserWithPush();
    const fetchMock = routes({
      "GET /api/push/subscriptions": () => jsonResponse(200, { data: [LAPTOP] }),
      "GET /api/push/vapid-public-key": () => jsonResponse(200, { public_key: KEY }),
      "POST /api/push/subscriptions": (c) =>
        jsonResponse(201, {
          id: "psub_phone",
          label: (c.body as { label: string }).label,
          push_service: "https://fcm.googleapis.com",
          created_at: "2026-12-03T10:00:00.000Z",
          last_used_at: null,
        }),
    });
    render(<PushDevicesCard />);
    expect(await screen.findByText("Firefox on Linux")).toBeTruthy();
    fireEvent.input(screen.getByLabelText("Name of this device"), { target: { value: "Work phone" } });
    fireEvent.click(screen.getByRole("button", { name: "Receive alerts on this device" }));
    await screen.findByText("This device");
    expect(screen.getByRole("heading", { name: "Work phone This device" })).toBeTruthy();
    expect(allCalls(fetchMock).find((c) => c.method === "POST")?.body).toEqual({
      endpoint: "https://fcm.googleapis.com/fcm/send/abc",
      keys: { p256dh: "p", auth: "a" },
      label: "Work phone",
    });
    expect(pushManager.subscribe).toHaveBeenCalledOnce();
    expect(thisDeviceId()).toBe("psub_phone");
    expect(screen.queryByRole("button", { name: "Receive alerts on this device" })).toBeNull();
  });

  it("sends a test push and shows how it went on each device; one its service calls gone disappears", async () => {
    signIn(session("tok"));
    browserWithPush("granted");
    const phone = { ...LAPTOP, id: "psub_phone", label: "Pixel", push_service: "https://fcm.googleapis.com" };
    routes({
      "GET /api/push/subscriptions": () => jsonResponse(200, { data: [LAPTOP, phone] }),
      "POST /api/push/test": () =>
        jsonResponse(200, {
          data: [
            { id: "psub_laptop", label: "Firefox on Linux", outcome: "gone", status: 410 },
            { id: "psub_phone", label: "Pixel", outcome: "sent", status: 201 },
          ],
        }),
    });
    render(<PushDevicesCard />);
    fireEvent.click(await screen.findByRole("button", { name: "Send a test notification" }));
    expect((await screen.findByText("Test sent")).className).toBe("badge ok");
    await waitFor(() => expect(screen.queryByText("Firefox on Linux")).toBeNull());
  });

  it("removes this device: the server forgets it and the browser unsubscribes", async () => {
    signIn(session("tok"));
    const { unsubscribe } = browserWithPush("granted");
    localStorage.setItem("aggregator.push-device", "psub_laptop");
    const fetchMock = routes({
      "GET /api/push/subscriptions": () => jsonResponse(200, { data: [LAPTOP] }),
      "DELETE /api/push/subscriptions/psub_laptop": () => new Response(null, { status: 204 }),
    });
    render(<PushDevicesCard />);
    fireEvent.click(await screen.findByRole("button", { name: "Remove Firefox on Linux" }));
    await screen.findByText("No device receives your alerts yet.");
    expect(allCalls(fetchMock).some((c) => c.method === "DELETE")).toBe(true);
    await waitFor(() => expect(unsubscribe).toHaveBeenCalledOnce());
    expect(thisDeviceId()).toBeNull();
  });

  it("explains a browser without push, and a permission the user refused", async () => {
    signIn(session("tok"));
    routes({
      "GET /api/push/subscriptions": () => jsonResponse(200, { data: [] }),
      "GET /api/push/vapid-public-key": () => jsonResponse(200, { public_key: KEY }),
    });
    const { unmount } = render(<PushDevicesCard />);
    expect(await screen.findByText(/cannot receive push notifications/)).toBeTruthy();
    unmount();

    browserWithPush("default");
    vi.stubGlobal("Notification", { permission: "default", requestPermission: vi.fn(async () => "denied") });
    render(<PushDevicesCard />);
    fireEvent.click(await screen.findByRole("button", { name: "Receive alerts on this device" }));
    expect(await screen.findByText(/Notifications are blocked for this site/)).toBeTruthy();
  });
});
