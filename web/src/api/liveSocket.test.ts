import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signIn } from "../stores/auth";
import { apiErrorResponse, fetchCall, jsonResponse, routes, session } from "../test/fetch";
import { FakeSocket, hello, stubWebSocket, update } from "../test/socket";
import type { LiveMessage } from "./live";
import { openLiveFeed, PING_INTERVAL_MS, socketUrl } from "./liveSocket";

const flush = async () => {
  for (let i = 0; i < 50; i += 1) await Promise.resolve();
};

describe("live feed connection", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    stubWebSocket();
    signIn(session("tok"));
  });
  afterEach(() => vi.useRealTimers());

  it("turns the ticket URL into a ws: URL on this origin", () => {
    expect(socketUrl("/api/analytics/live?ticket=a.b", "http://127.0.0.1:8787/dashboard")).toBe("ws://127.0.0.1:8787/api/analytics/live?ticket=a.b");
    expect(socketUrl("/api/analytics/live?ticket=x", "https://gw.example.com/")).toBe("wss://gw.example.com/api/analytics/live?ticket=x");
  });

  it("asks for a ticket, connects, delivers messages and pings", async () => {
    let n = 0;
    const fetchMock = routes({
      "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: `t${++n}`, expires_in: 60, url: `/api/analytics/live?ticket=t${n}` }),
    });
    const messages: LiveMessage[] = [];
    const statuses: string[] = [];
    const feed = openLiveFeed({ onMessage: (m) => messages.push(m), onStatus: (s) => statuses.push(s) });
    await flush();
    expect(fetchCall(fetchMock).headers.get("Authorization")).toBe("Bearer tok");
    const socket = FakeSocket.last();
    expect(socket.url).toMatch(/\/api\/analytics\/live\?ticket=t1$/);
    socket.open();
    socket.receive(hello());
    socket.receive("pong");
    socket.receive(update(2));
    expect(messages.map((m) => m.type)).toEqual(["hello", "update"]);
    expect(statuses).toEqual(["connecting", "open"]);
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(socket.sent).toEqual(["ping"]);
    feed.close();
    expect(socket.closedWith).toBe(1000);
    expect(statuses.at(-1)).toBe("closed");
  });

  it("reconnects with backoff and a fresh ticket each time", async () => {
    let n = 0;
    routes({ "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: `t${++n}`, expires_in: 60, url: `/api/analytics/live?ticket=t${n}` }) });
    const statuses: string[] = [];
    const feed = openLiveFeed({ onMessage: () => undefined, onStatus: (s) => statuses.push(s), random: () => 1 });
    await flush();
    FakeSocket.last().drop();
    expect(statuses.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(FakeSocket.last().url).toMatch(/ticket=t2$/);
    // Still failing: the wait doubles.
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1999);
    expect(FakeSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(FakeSocket.instances).toHaveLength(3);
    // A greeting resets the backoff.
    FakeSocket.last().receive(hello());
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(FakeSocket.instances).toHaveLength(4);
    feed.close();
  });

  it("retries when the ticket cannot be had, and gives up on a 403", async () => {
    let fail = true;
    routes({
      "POST /api/analytics/live/ticket": () =>
        fail ? apiErrorResponse(503, "unavailable", "Try later.") : apiErrorResponse(403, "permission_denied", "Not allowed."),
    });
    const statuses: string[] = [];
    openLiveFeed({ onMessage: () => undefined, onStatus: (s) => statuses.push(s), random: () => 0 });
    await flush();
    expect(statuses).toEqual(["connecting", "reconnecting"]);
    fail = false;
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    expect(statuses.at(-1)).toBe("closed");
    expect(FakeSocket.instances).toHaveLength(0);
  });
});
