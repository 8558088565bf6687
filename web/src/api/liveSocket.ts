// The live feed as one long-lived connection: a fresh single-use ticket for every (re)connect,
// a WebSocket to /api/analytics/live, a ping every 30 s, and reconnection with jittered
// exponential backoff until it is closed. Fatal refusals (no permission) stop it.
import { backoffDelay } from "../lib/backoff";
import { call } from "./client";
import { isApiError } from "./error";
import { type LiveMessage, parseLiveMessage } from "./live";

export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface LiveFeedOptions {
  onMessage: (message: LiveMessage) => void;
  onStatus?: (status: LiveStatus) => void;
  /** The ticket's URL (`/api/analytics/live?ticket=…`); by default POST /api/analytics/live/ticket. */
  ticketUrl?: () => Promise<string>;
  createSocket?: (url: string) => WebSocket;
  random?: () => number;
}

export interface LiveFeed {
  close: () => void;
}

export const PING_INTERVAL_MS = 30_000;

const defaultTicketUrl = async (): Promise<string> => (await call("post", "/api/analytics/live/ticket")).url;

/** `/api/…` on this origin as a ws: or wss: URL. */
export function socketUrl(path: string, base: string = location.href): string {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** A refusal that retrying cannot fix: signed out, or the role may not read analytics. */
const isFatal = (error: unknown): boolean => isApiError(error) && (error.status === 401 || error.status === 403);

export function openLiveFeed(options: LiveFeedOptions): LiveFeed {
  const { onMessage, onStatus = () => undefined, ticketUrl = defaultTicketUrl, random = Math.random } = options;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  let closed = false;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  const status = (value: LiveStatus) => {
    if (!closed || value === "closed") onStatus(value);
  };

  function schedule(): void {
    if (closed) return;
    status("reconnecting");
    retryTimer = setTimeout(() => void connect(), backoffDelay(attempt, { random }));
    attempt += 1;
  }

  // Back online: try at once rather than waiting out the backoff.
  const onOnline = () => {
    if (closed || socket) return;
    clearTimeout(retryTimer);
    attempt = 0;
    void connect();
  };
  if (typeof addEventListener === "function") addEventListener("online", onOnline);

  async function connect(): Promise<void> {
    if (closed) return;
    status(attempt === 0 ? "connecting" : "reconnecting");
    let path: string;
    try {
      path = await ticketUrl();
    } catch (error) {
      if (isFatal(error)) return close();
      return schedule();
    }
    if (closed) return;
    let ws: WebSocket;
    try {
      ws = createSocket(socketUrl(path));
    } catch {
      return schedule();
    }
    socket = ws;
    ws.addEventListener("message", (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      const message = parseLiveMessage(event.data);
      if (!message) return;
      // Only a greeting proves the connection works; a socket that opens and drops keeps backing off.
      if (message.type === "hello") {
        attempt = 0;
        status("open");
      }
      onMessage(message);
    });
    ws.addEventListener("open", () => {
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (ws.readyState === 1) ws.send("ping");
      }, PING_INTERVAL_MS);
    });
    ws.addEventListener("close", () => {
      clearInterval(pingTimer);
      if (socket === ws) socket = null;
      schedule();
    });
  }

  function close(): void {
    if (closed) return;
    closed = true;
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    if (typeof removeEventListener === "function") removeEventListener("online", onOnline);
    const ws = socket;
    socket = null;
    if (ws && ws.readyState < 2) ws.close(1000, "done");
    onStatus("closed");
  }

  void connect();
  return { close };
}
