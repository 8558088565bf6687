import { describe, expect, it } from "vitest";
import { strategyFor } from "./swRoutes";

const ORIGIN = "https://agg.example";
const at = (path: string, method = "GET", mode: RequestMode = "cors") => strategyFor(method, new URL(path, ORIGIN), mode, ORIGIN);

describe("service worker routing", () => {
  it("caches the last GET /api answers for offline use", () => {
    expect(at("/api/keys")).toBe("api");
    expect(at("/api/audit?limit=50")).toBe("api");
    expect(at("/api/auth/me")).toBe("api");
  });

  it("never caches sessions, mutations, the gateway or other origins", () => {
    expect(at("/api/auth/refresh")).toBe("network");
    expect(at("/api/auth/refresh", "POST")).toBe("network");
    expect(at("/api/keys", "POST")).toBe("network");
    expect(at("/v1/chat/completions", "POST")).toBe("network");
    expect(at("/v1/models")).toBe("network");
    expect(at("/api/openapi.json")).toBe("network");
    expect(strategyFor("GET", new URL("https://cdn.example/x.js"), "cors", ORIGIN)).toBe("network");
  });

  it("never caches streams or exports: an endless body would never finish caching", () => {
    expect(at("/api/notifications/stream")).toBe("network");
    expect(at("/api/notifications/stream?last_event_id=4")).toBe("network");
    expect(at("/api/analytics/live?ticket=t")).toBe("network");
    expect(at("/api/analytics/export?format=csv&last=24h")).toBe("network");
    expect(at("/api/analytics?last=24h")).toBe("api");
    expect(at("/api/billing")).toBe("api");
    expect(at("/api/notifications")).toBe("api");
  });

  it("serves pages network-first (shell offline) and assets from the precache", () => {
    expect(at("/keys", "GET", "navigate")).toBe("page");
    expect(at("/assets/index-abc.js")).toBe("asset");
    expect(at("/sw.js")).toBe("network");
  });
});
