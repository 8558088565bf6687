import { vi } from "vitest";

/** A WebSocket the test drives: it records what was sent and lets the test open, message and close it. */
export class FakeSocket extends EventTarget {
  static instances: FakeSocket[] = [];
  readonly url: string;
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;

  constructor(url: string) {
    super();
    this.url = url;
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1000): void {
    if (this.readyState >= 2) return;
    this.closedWith = code;
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }

  /** Test side: the server accepted the connection. */
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  /** Test side: the server sent a frame. */
  receive(data: unknown): void {
    this.dispatchEvent(new MessageEvent("message", { data: typeof data === "string" ? data : JSON.stringify(data) }));
  }

  /** Test side: the connection dropped. */
  drop(): void {
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }

  static last(): FakeSocket {
    const socket = FakeSocket.instances.at(-1);
    if (!socket) throw new Error("no socket was opened");
    return socket;
  }
}

/** Replaces the global WebSocket (restored after each test by `unstubGlobals`). */
export function stubWebSocket(): typeof FakeSocket {
  FakeSocket.instances = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  return FakeSocket;
}

export const minute = (over: Record<string, unknown> = {}) => ({
  start: "2026-11-24T10:00:00.000Z",
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost_micros: 0,
  latency_ms_sum: 0,
  latency_ms_avg: null,
  latency_ms_p50: null,
  latency_ms_p95: null,
  latency_method: "sample",
  ...over,
});

export const sums = (requests: number, over: Record<string, unknown> = {}) => ({
  requests,
  errors: 0,
  input_tokens: requests * 2,
  output_tokens: requests * 3,
  cost_micros: requests * 1000,
  latency_ms_sum: requests * 10,
  latency_ms_avg: requests ? 10 : null,
  ...over,
});

export const hello = (at = "2026-11-24T10:00:05.000Z") => ({ type: "hello", at, minute: minute() });

export const update = (requests: number, at = "2026-11-24T10:00:06.000Z", over: { model?: string; provider?: string; key?: string; errors?: number } = {}) => {
  const totals = sums(requests, { errors: over.errors ?? 0 });
  return {
    type: "update",
    at,
    events: requests,
    delta: {
      totals,
      by_model: { [over.model ?? "demo/echo"]: totals },
      by_provider: { [over.provider ?? "demo"]: totals },
      by_key: { [over.key ?? "key_1"]: totals },
    },
    minute: minute({ requests }),
  };
};
