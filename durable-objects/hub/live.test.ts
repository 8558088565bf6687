// The live fan-out's push window, on an injected clock: leading edge when idle, one trailing
// update per window under load, and nothing lost between them.
import { describe, expect, it } from "vitest";
import { emptySums } from "../../worker/core/sums.ts";
import { type LogEvent, parseEvent } from "./event.ts";
import { type LiveClock, LiveFanout, type LiveMessage, PUSH_INTERVAL_MS } from "./live.ts";

type Update = Extract<LiveMessage, { type: "update" }>;

/** Time moves only when a test advances it; due timers run in order as it does. */
class FakeClock implements LiveClock {
  t = 1_767_225_600_000;
  private timers: { at: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  get scheduled(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued microtasks (a leading-edge push) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let seq = 0;
function logEvent(clock: FakeClock, costMicros: number, model = "demo/echo"): LogEvent {
  return parseEvent({
    id: `req_live_${++seq}`,
    tenantId: "ten_live_unit",
    keyId: "key_a",
    provider: "demo",
    model,
    endpoint: "/v1/chat/completions",
    status: 200,
    latencyMs: 100,
    inputTokens: 1,
    outputTokens: 2,
    costMicros,
    createdAt: clock.now(),
  });
}

/** A fan-out with `subscribers` WebSockets that record what they get and when. */
function setup(subscribers = 3) {
  const clock = new FakeClock();
  const received: { at: number; message: Update }[][] = Array.from({ length: subscribers }, () => []);
  const sockets = received.map((inbox) => ({ send: (text: string) => inbox.push({ at: clock.now(), message: JSON.parse(text) as Update }) }));
  const ctx = { getWebSockets: () => sockets } as unknown as DurableObjectState;
  const live = new LiveFanout(ctx, () => emptySums(), { clock });
  const add = (costMicros: number, model?: string) => live.add(logEvent(clock, costMicros, model), clock.now());
  return { clock, live, add, inbox: received[0]!, received };
}

describe("live push window", () => {
  it("pushes an idle subscriber's first event at once, not at the end of the window", async () => {
    const { clock, live, add, received } = setup(100);
    expect(live.windowMs).toBe(PUSH_INTERVAL_MS);
    const start = clock.now();
    add(7);
    add(8); // the same turn: joins the same update
    await settle();
    for (const inbox of received) {
      expect(inbox).toHaveLength(1);
      expect(inbox[0]!.at - start).toBeLessThan(PUSH_INTERVAL_MS / 10);
      expect(inbox[0]!.message).toMatchObject({ type: "update", events: 2, delta: { totals: { requests: 2, cost_micros: 15 } } });
    }
    expect(clock.scheduled).toBe(0); // no trailing push owed: nothing arrived after it
  });

  it("turns a burst within one window into a leading and one trailing update that carries the rest", async () => {
    const { clock, add, inbox } = setup();
    const n = 50;
    add(1);
    await settle();
    expect(inbox).toHaveLength(1);
    const leadingAt = inbox[0]!.at;
    for (let i = 2; i <= n; i++) {
      await clock.advance(Math.floor((PUSH_INTERVAL_MS - 1) / n));
      add(i, i % 2 === 0 ? "demo/lorem" : "demo/echo");
    }
    expect(inbox).toHaveLength(1); // the rest wait for the window's end
    await clock.advance(PUSH_INTERVAL_MS);
    expect(inbox).toHaveLength(2);
    const [leading, trailing] = inbox.map((x) => x.message) as [Update, Update];
    expect(inbox[1]!.at - leadingAt).toBe(PUSH_INTERVAL_MS);
    expect(leading.events + trailing.events).toBe(n);
    expect(trailing.events).toBe(n - 1);
    expect(trailing.delta.totals).toMatchObject({ requests: n - 1, cost_micros: (n * (n + 1)) / 2 - 1 });
    expect(trailing.delta.by_model["demo/lorem"]!.requests + trailing.delta.by_model["demo/echo"]!.requests).toBe(n - 1);
    await clock.advance(10 * PUSH_INTERVAL_MS);
    expect(inbox).toHaveLength(2);
  });

  it("sends at most one update per window under steady load, and is immediate again after a quiet window", async () => {
    const { clock, add, inbox } = setup();
    const windows = 5;
    let sent = 0;
    for (let t = 0; t < windows * PUSH_INTERVAL_MS; t += 10) {
      add(1);
      sent += 1;
      await clock.advance(10);
    }
    await clock.advance(PUSH_INTERVAL_MS);
    expect(inbox.length).toBeLessThanOrEqual(windows + 1);
    for (let i = 1; i < inbox.length; i++) expect(inbox[i]!.at - inbox[i - 1]!.at).toBeGreaterThanOrEqual(PUSH_INTERVAL_MS);
    expect(inbox.reduce((s, x) => s + x.message.events, 0)).toBe(sent);

    // Quiet for a window: the next event goes out without waiting.
    await clock.advance(PUSH_INTERVAL_MS);
    const before = inbox.length;
    const at = clock.now();
    add(99);
    await settle();
    expect(inbox).toHaveLength(before + 1);
    expect(inbox[before]!.at).toBe(at);
    expect(inbox[before]!.message.events).toBe(1);
  });

  it("an explicit push sends what is gathered and cancels the trailing one", async () => {
    const { clock, live, add, inbox } = setup();
    add(1);
    await settle();
    add(2);
    expect(clock.scheduled).toBe(1);
    live.push();
    expect(clock.scheduled).toBe(0);
    expect(inbox.map((x) => x.message.events)).toEqual([1, 1]);
    await clock.advance(2 * PUSH_INTERVAL_MS);
    expect(inbox).toHaveLength(2);
  });
});
