// Alerts pushed by GET /api/notifications/stream (Server-Sent Events). EventSource cannot send
// the Authorization header, so the stream is read with fetch; it resumes after the last seq it
// saw (?last_event_id=) and reconnects with backoff until closed.
import { backoffDelay } from "../lib/backoff";
import { requestStream } from "./client";
import { isApiError } from "./error";
import { isNumber, isObject, isString } from "./guards";
import { sseData } from "./sse";
import type { AppNotification } from "./types";

const TYPES: readonly AppNotification["type"][] = ["budget.threshold_crossed", "balance.low", "provider.down", "provider.recovered"];

export function parseNotification(text: string): AppNotification | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(data)) return null;
  const { id, seq, type, tenant_id, message, created_at } = data;
  if (!isString(id) || !isNumber(seq) || !isString(tenant_id) || !isString(message) || !isString(created_at)) return null;
  const known = TYPES.find((t) => t === type);
  if (!known) return null;
  const fields: Record<string, number | string> = {};
  if (isObject(data.data)) {
    for (const [name, value] of Object.entries(data.data)) if (isNumber(value) || isString(value)) fields[name] = value;
  }
  return { id, seq, type: known, tenant_id, message, data: fields, created_at };
}

export interface NotificationStreamOptions {
  onNotification: (notification: AppNotification) => void;
  /** Resume after this seq (what the tab saw last). */
  afterSeq?: number | null;
  open?: (path: string, signal: AbortSignal) => Promise<Response>;
  random?: () => number;
}

/** 401, 403 and 404 will not change by retrying. */
const isFatal = (error: unknown) => isApiError(error) && [401, 403, 404].includes(error.status);

export function openNotificationStream(options: NotificationStreamOptions): { close: () => void } {
  const { onNotification, random = Math.random } = options;
  const open = options.open ?? ((path: string, signal: AbortSignal) => requestStream(path, "text/event-stream", signal));
  let lastSeq = options.afterSeq ?? null;
  let closed = false;
  let attempt = 0;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function run(): Promise<void> {
    if (closed) return;
    controller = new AbortController();
    const path = lastSeq === null ? "/api/notifications/stream" : `/api/notifications/stream?last_event_id=${lastSeq}`;
    try {
      const response = await open(path, controller.signal);
      if (!response.body) throw new Error("no body");
      attempt = 0;
      for await (const data of sseData(response.body)) {
        const notification = parseNotification(data);
        if (!notification || (lastSeq !== null && notification.seq <= lastSeq)) continue;
        lastSeq = notification.seq;
        onNotification(notification);
      }
    } catch (error) {
      if (closed || isFatal(error)) return;
    }
    if (closed) return;
    timer = setTimeout(() => void run(), backoffDelay(attempt, { random }));
    attempt += 1;
  }

  void run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
