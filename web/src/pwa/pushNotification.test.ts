import { describe, expect, it } from "vitest";
import { notificationFor, safePath } from "./pushNotification";

describe("push notifications", () => {
  it("shows the alert with its tag, so a repeat replaces it, and opens its page", () => {
    const shown = notificationFor(
      JSON.stringify({ id: "ntf_1", type: "balance.low", title: "Balance is low", body: "$4.00", url: "/billing", tag: "balance.low" }),
    );
    expect(shown).toEqual({
      title: "Balance is low",
      options: { body: "$4.00", icon: "/icon-192.png", badge: "/icon-192.png", tag: "balance.low", renotify: true, data: { url: "/billing" } },
    });
  });

  it("shows something for a payload that is empty or not ours", () => {
    expect(notificationFor(null)).toMatchObject({
      title: "AI Aggregator",
      options: { body: "You have a new alert.", tag: "alert", data: { url: "/dashboard" } },
    });
    expect(notificationFor("plain words")).toMatchObject({ options: { body: "plain words" } });
  });

  it.each(["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/\\evil.example", 42, undefined])("never follows %s", (url) => {
    expect(safePath(url)).toBe("/dashboard");
  });
});
