import { afterEach, describe, expect, it, vi } from "vitest";
import { rememberThisDevice, thisDeviceId } from "../pwa/pushDevice";
import { allCalls, jsonResponse, routes, session } from "../test/fetch";
import { signIn } from "./auth";
import { endSession } from "./session";

afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "serviceWorker");
  localStorage.clear();
});

describe("signing out", () => {
  it("first stops alerts to this browser: the server forgets the device and the browser unsubscribes", async () => {
    signIn(session("tok"));
    const unsubscribe = vi.fn(async () => true);
    vi.stubGlobal("PushManager", function PushManager() {});
    vi.stubGlobal("Notification", { permission: "granted" });
    Object.defineProperty(navigator, "serviceWorker", {
      configurable: true,
      value: { ready: Promise.resolve({ pushManager: { getSubscription: async () => ({ unsubscribe }) } }) },
    });
    rememberThisDevice("psub_here");
    const fetchMock = routes({
      "DELETE /api/push/subscriptions/psub_here": () => new Response(null, { status: 204 }),
      "POST /api/auth/logout": () => jsonResponse(200, {}),
    });
    await endSession();
    expect(allCalls(fetchMock).map((c) => `${c.method} ${c.url.replace(location.origin, "")}`)).toEqual([
      "DELETE /api/push/subscriptions/psub_here",
      "POST /api/auth/logout",
    ]);
    expect(unsubscribe).toHaveBeenCalledOnce();
    expect(thisDeviceId()).toBeNull();
  });

  it("ends the session even when the device cannot be removed", async () => {
    signIn(session("tok"));
    rememberThisDevice("psub_gone");
    const fetchMock = routes({ "POST /api/auth/logout": () => jsonResponse(200, {}) });
    await endSession();
    expect(allCalls(fetchMock).map((c) => c.method)).toEqual(["DELETE", "POST"]);
    expect(thisDeviceId()).toBeNull();
  });
});
