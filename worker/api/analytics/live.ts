// GET /api/analytics/live: the tenant's AnalyticsHub over SSE or a WebSocket, or one snapshot of
// the current minute. Browsers cannot set headers on a WebSocket or an EventSource, so they open
// it with a single-use ticket (audience ai-aggregator:live, 60 s) instead of the access token.
import type { Next } from "hono";
import * as z from "zod";
import type { SessionUser } from "../../env.ts";
import type { ApiContext } from "../router.ts";
import { type ScopedClaims, memberFor, signScoped, verifyScoped } from "../scoped-jwt.ts";

export const TICKET_AUDIENCE = "ai-aggregator:live";
export const TICKET_TTL_SECONDS = 60;

export const ticketView = z.object({ ticket: z.string(), expires_in: z.int(), url: z.string() });

export const liveQuery = z.object({
  ticket: z.string().max(4096).optional().describe("From POST /api/analytics/live/ticket; required for WebSocket from a browser"),
});

export async function issueTicket(c: ApiContext): Promise<Response> {
  const { token } = await signScoped(c.env.JWT_SECRET, TICKET_AUDIENCE, c.var.user, TICKET_TTL_SECONDS);
  return c.json({ ticket: token, expires_in: TICKET_TTL_SECONDS, url: `/api/analytics/live?ticket=${encodeURIComponent(token)}` }, 201);
}

/** Runs before the router's access-token check: a `?ticket=` opens the feed as its member. */
export async function withLiveTicket(c: ApiContext, next: Next): Promise<Response | void> {
  const ticket = c.req.query("ticket");
  if (!ticket) return next();
  const claims = await verifyScoped(c.env.JWT_SECRET, ticket, TICKET_AUDIENCE, "ticket");
  const user = await memberFor(c, claims, "ticket");
  c.set("user", user);
  return connectLive(c, user, claims);
}

/** Forwards the subscription to the caller's tenant's hub: never another tenant's. */
export async function connectLive(c: ApiContext, user: SessionUser, ticket: ScopedClaims | null): Promise<Response> {
  const hub = c.env.ANALYTICS_HUB.get(c.env.ANALYTICS_HUB.idFromName(user.tenantId));
  const headers = new Headers({ "x-user-id": user.id });
  if (ticket) {
    headers.set("x-ticket-id", ticket.jti);
    headers.set("x-ticket-expires", String(ticket.exp * 1000));
  }
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
    headers.set("upgrade", "websocket");
    const res = await hub.fetch("https://analytics-hub/ws", { headers });
    return res.webSocket ? new Response(null, { status: 101, webSocket: res.webSocket }) : new Response(res.body, res);
  }
  if (/\btext\/event-stream\b/i.test(c.req.header("accept") ?? "") || ticket) {
    const res = await hub.fetch("https://analytics-hub/sse", { headers, signal: c.req.raw.signal });
    return new Response(res.body, res);
  }
  // Neither a WebSocket nor an event stream was asked for: the current minute, once.
  return c.json(await hub.snapshot());
}
