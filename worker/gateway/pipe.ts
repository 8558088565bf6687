// The one relay of a streamed answer to the client: events forwarded as they come, the call's
// end recorded once, an error event in the client's format when the upstream fails mid-way,
// and, when the client goes away, the upstream read on in the background (bounded) so the call
// is billed what the provider really counted, not what reached the client.
import type { ClientEvents } from "./stream-out.ts";
import { UpstreamError } from "./upstream.ts";

/** How long an abandoned stream is read on for its usage (within waitUntil's 30 s). */
const DRAIN_MS = 25_000;

/** STREAM_DRAIN_MS, else 25 s; at most 25 s. */
export function drainMs(value: string | undefined): number {
  const ms = Number(value);
  return value && Number.isSafeInteger(ms) && ms >= 0 ? Math.min(ms, DRAIN_MS) : DRAIN_MS;
}

export interface Pipe {
  /** The first event, already read when it decided the attempt. */
  first?: Uint8Array;
  events: ClientEvents;
  /** Stops the upstream request. */
  abort: AbortController;
  /** The event a stream ends with when the upstream fails mid-way, in the client's format. */
  errorEvent: (error: unknown) => Uint8Array;
  /** Records the call's end (its status and error type); called once. */
  end: (status: number, errorType?: string) => void;
  /** How long to read on after the client left (drainMs). */
  drainMs: number;
}

export function pipe(ctx: { waitUntil(promise: Promise<unknown>): void }, p: Pipe): ReadableStream<Uint8Array> {
  let ended = false;
  let cancelled = false;
  const end = (status: number, errorType?: string) => {
    if (ended) return;
    ended = true;
    p.end(status, errorType);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (p.first) controller.enqueue(p.first);
    },
    async pull(controller) {
      try {
        const next = await p.events.next();
        if (ended || cancelled) return;
        if (next.done) {
          controller.close();
          end(200);
        } else controller.enqueue(next.value);
      } catch (error) {
        if (ended || cancelled) return;
        controller.enqueue(p.errorEvent(error));
        controller.close();
        end(502, error instanceof UpstreamError && error.failure === "protocol" ? "truncated_stream" : "stream_error");
      }
    },
    cancel() {
      cancelled = true;
      const stop = () => {
        p.abort.abort();
        void p.events.return(undefined).catch(() => undefined);
        end(499, "client_closed");
      };
      ctx.waitUntil(drain(p.events, p.drainMs).then(stop, stop));
    },
  });
}

/** Reads the rest of the events (the tally counts them) until they end, fail or time runs out. */
async function drain(events: ClientEvents, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    for (;;) {
      const next = await Promise.race([events.next(), timeout]);
      if (next === "timeout" || next.done) return;
    }
  } catch {
    // The upstream failed: what was counted so far is billed.
  } finally {
    clearTimeout(timer);
  }
}
