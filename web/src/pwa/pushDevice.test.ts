import { afterEach, describe, expect, it, vi } from "vitest";
import { base64UrlBytes, deviceLabel, PushSetupError, pushAvailability, rememberThisDevice, subscribeThisDevice, thisDeviceId } from "./pushDevice";

const KEY = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U";

interface FakePush {
  subscribe: ReturnType<typeof vi.fn>;
  getSubscription: ReturnType<typeof vi.fn>;
}

function installPush(permission: NotificationPermission, existing: { key: Uint8Array; unsubscribe: () => Promise<boolean> } | null = null): FakePush {
  const pushManager: FakePush = {
    subscribe: vi.fn(async () => ({ toJSON: () => ({ endpoint: "https://push.example/abc", keys: { p256dh: "p", auth: "a" } }) })),
    getSubscription: vi.fn(async () => existing && { options: { applicationServerKey: existing.key.buffer }, unsubscribe: existing.unsubscribe }),
  };
  vi.stubGlobal("PushManager", function PushManager() {});
  vi.stubGlobal("Notification", { permission, requestPermission: vi.fn(async () => (permission === "default" ? "granted" : permission)) });
  Object.defineProperty(navigator, "serviceWorker", { configurable: true, value: { ready: Promise.resolve({ pushManager }) } });
  return pushManager;
}

afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "serviceWorker");
  localStorage.clear();
});

describe("this browser as an alert device", () => {
  it("decodes the server's base64url VAPID key to its 65 bytes", () => {
    const bytes = base64UrlBytes(KEY);
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(4); // an uncompressed P-256 point
  });

  it("says when the browser cannot receive pushes or the user blocked them", () => {
    expect(pushAvailability()).toBe("unsupported");
    installPush("denied");
    expect(pushAvailability()).toBe("denied");
    installPush("default");
    expect(pushAvailability()).toBe("available");
  });

  it("asks for permission, then subscribes with the server's key and hands back endpoint and keys", async () => {
    const push = installPush("default");
    expect(await subscribeThisDevice(KEY)).toEqual({ endpoint: "https://push.example/abc", keys: { p256dh: "p", auth: "a" } });
    const options = push.subscribe.mock.calls[0]![0] as { userVisibleOnly: boolean; applicationServerKey: Uint8Array };
    expect(options.userVisibleOnly).toBe(true);
    expect([...options.applicationServerKey]).toEqual([...base64UrlBytes(KEY)]);
  });

  it("replaces a subscription made with another server's key, and keeps one made with ours", async () => {
    const unsubscribe = vi.fn(async () => true);
    installPush("granted", { key: new Uint8Array(65).fill(7), unsubscribe });
    await subscribeThisDevice(KEY);
    expect(unsubscribe).toHaveBeenCalledOnce();
    const same = vi.fn(async () => true);
    installPush("granted", { key: base64UrlBytes(KEY), unsubscribe: same });
    await subscribeThisDevice(KEY);
    expect(same).not.toHaveBeenCalled();
  });

  it("fails with a reason the page can explain", async () => {
    await expect(subscribeThisDevice(KEY)).rejects.toEqual(new PushSetupError("unsupported"));
    installPush("denied");
    await expect(subscribeThisDevice(KEY)).rejects.toMatchObject({ reason: "denied" });
    const push = installPush("granted");
    push.subscribe.mockRejectedValueOnce(new DOMException("push service not available", "AbortError"));
    await expect(subscribeThisDevice(KEY)).rejects.toMatchObject({ reason: "failed" });
  });

  it("remembers which listed device is this browser", () => {
    expect(thisDeviceId()).toBeNull();
    rememberThisDevice("psub_1");
    expect(thisDeviceId()).toBe("psub_1");
    rememberThisDevice(null);
    expect(thisDeviceId()).toBeNull();
  });

  it("names a device after its browser and system", () => {
    expect(deviceLabel("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")).toBe(
      "Chrome on Android",
    );
    expect(
      deviceLabel("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"),
    ).toBe("Safari on iPhone");
    expect(deviceLabel("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0")).toBe(
      "Edge on Windows",
    );
    expect(deviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")).toBe("Firefox on Linux");
    expect(deviceLabel("curl/8")).toBe("Browser");
  });
});
