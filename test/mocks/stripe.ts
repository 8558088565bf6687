// A local stand-in for the Stripe API, for tests: form-encoded requests (`a[b][0][c]=v`), JSON
// objects in Stripe's shapes, Bearer secret-key auth, Idempotency-Key replay, Stripe's error
// envelope. Loopback only, bounded in body and log size.
//
//   POST /v1/customers                      create a customer
//   POST /v1/checkout/sessions              create a Checkout Session (mode payment)
//   GET  /v1/checkout/sessions/:id          retrieve it
//   GET  /v1/charges/:id                    retrieve a charge
//   POST /v1/refunds                        refund (part of) a charge: { charge, amount? }
//   GET  /v1/refunds?charge=ch_…            a charge's refunds (a list object)
// The hosted Checkout page, at a session's `url` (for the browser):
//   GET  /c/:id                             the amount, a Pay button and a link back to cancel_url
//   POST /c/:id/pay                         pays the session (as …/complete below), delivers a signed
//                                           checkout.session.completed to `webhook.url` (if given),
//                                           then 303 to success_url; paying again re-delivers the
//                                           same event, as Stripe's retries do
// Test controls (no auth):
//   POST /__control/sessions/:id/complete   the buyer paid: the session is paid, with a
//                                           payment intent and a charge → { session, charge }
//   POST /__control/disputes                { charge, amount? } → a dispute object
//   GET  /__control/requests                what reached /v1 (method, path, form, idempotency key)
//   GET  /__control/deliveries              the webhooks sent: [{ event, type, object, status, body }]
//   POST /__hooks/:name                     records a delivery (alert webhooks); answers 500 while
//                                           POST /__hooks/:name/fail { times } has failures left
//   GET  /__hooks/:name                     the deliveries recorded: [{ headers, body }]
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const STRIPE_TEST_KEY = "sk_test_mock_0123456789";
export const STRIPE_TEST_WEBHOOK_SECRET = "mock-stripe-webhook-secret-0123456789";

type Json = Record<string, unknown>;
type FormValue = string | FormValue[] | { [key: string]: FormValue };

const MAX_BODY = 1 << 20;
const MAX_LOG = 2000;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

/** `a[b][0][c]=v&…` → { a: { b: [{ c: "v" }] } }, as Stripe reads its form bodies. */
export function decodeForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, "").split("[");
    let node: Record<string, FormValue> = root;
    path.forEach((segment, i) => {
      if (i === path.length - 1) node[segment] = value;
      else node = (node[segment] ??= {}) as Record<string, FormValue>;
    });
  }
  const arrays = (v: FormValue): FormValue => {
    if (typeof v === "string" || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    const out: Record<string, FormValue> = {};
    for (const k of keys) out[k] = arrays(v[k]!);
    return keys.length && keys.every((k, i) => k === String(i)) ? keys.map((k) => out[k]!) : out;
  };
  return arrays(root) as Record<string, FormValue>;
}

const str = (v: FormValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: FormValue | undefined): Record<string, FormValue> => (v && typeof v === "object" && !Array.isArray(v) ? v : {});

export interface RecordedStripeRequest {
  method: string;
  path: string;
  form: Record<string, FormValue>;
  idempotencyKey: string | null;
}

export interface StripeMockOptions {
  /** The secret key the API takes (default STRIPE_TEST_KEY). */
  secretKey?: string;
  /** Where paying on the hosted Checkout page sends its event, signed with `secret`. */
  webhook?: { url: string; secret: string };
}

export interface WebhookDelivery {
  event: string;
  type: string;
  /** The id of the event's object (the Checkout Session). */
  object: string;
  /** The receiver's status; 0 when it could not be reached. */
  status: number;
  body: string;
}

export interface StripeMock {
  port: number;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** 2500 → "25.00" (two-decimal currencies only, as the app's top-ups are). */
const formatMinor = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;

function checkoutPage(session: Json): string {
  const amount = `${formatMinor(Number(session.amount_total))} ${String(session.currency).toUpperCase()}`;
  const paid = session.payment_status === "paid";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>Checkout (mock Stripe)</title></head>
<body>
<h1>Mock Stripe Checkout</h1>
<p>Total due: <strong data-testid="amount">${escapeHtml(amount)}</strong></p>
${paid ? "<p>This session is paid.</p>\n" : ""}<form method="post" action="/c/${escapeHtml(String(session.id))}/pay"><button type="submit">Pay</button></form>
<p><a href="${escapeHtml(String(session.cancel_url ?? "/"))}">Cancel</a></p>
</body></html>
`;
}

/** A Stripe-Signature header for `payload`: t=<seconds>,v1=<HMAC-SHA256 of "t.payload">. */
function stripeSignature(payload: string, secret: string, timestamp = now()): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")}`;
}

export async function startStripeMock(options: StripeMockOptions = {}): Promise<StripeMock> {
  const secretKey = options.secretKey ?? STRIPE_TEST_KEY;
  const customers = new Map<string, Json>();
  const sessions = new Map<string, Json>();
  const charges = new Map<string, Json>();
  const refunds = new Map<string, Json>();
  const idempotent = new Map<string, { status: number; body: string; request: string }>();
  const requests: RecordedStripeRequest[] = [];
  const hooks = new Map<string, { headers: Record<string, string>; body: string }[]>();
  const hookFailures = new Map<string, number>();
  const completedEvents = new Map<string, string>(); // session id → its checkout.session.completed
  const deliveries: WebhookDelivery[] = [];
  let origin = ""; // set once listening

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    // connection: close — no pooled socket for the client to reuse just as the server drops it.
    res.writeHead(status, { "content-type": "application/json", "request-id": id("req"), connection: "close" });
    res.end(text);
    return text;
  };
  const error = (res: ServerResponse, status: number, message: string, type = "invalid_request_error") => send(res, status, { error: { type, message } });

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, body: string): string {
    if (req.headers.authorization !== `Bearer ${secretKey}`) return error(res, 401, "Invalid API Key provided.");
    const form = decodeForm(req.method === "GET" ? url.search.slice(1) : body);
    const path = url.pathname;
    const p = path.split("/").filter(Boolean); // ["v1", resource, id?]
    if (req.method === "POST" && path === "/v1/customers") {
      const customer = { id: id("cus"), object: "customer", created: now(), name: str(form.name) ?? null, metadata: obj(form.metadata), livemode: false };
      customers.set(customer.id, customer);
      return send(res, 200, customer);
    }
    if (req.method === "POST" && path === "/v1/checkout/sessions") {
      const items = Array.isArray(form.line_items) ? form.line_items : [];
      if (str(form.mode) !== "payment" || items.length !== 1) return error(res, 400, "This mock supports mode=payment with one line item.");
      const item = obj(items[0]);
      const priceData = obj(item.price_data);
      const unit = Number(str(priceData.unit_amount));
      const quantity = Number(str(item.quantity) ?? "1");
      const customer = str(form.customer);
      if (!Number.isSafeInteger(unit) || unit <= 0) return error(res, 400, "Invalid integer: line_items[0][price_data][unit_amount]");
      if (customer && !customers.has(customer)) return error(res, 400, `No such customer: '${customer}'`);
      const sessionId = `cs_test_${randomBytes(16).toString("hex")}`;
      const session = {
        id: sessionId,
        object: "checkout.session",
        mode: "payment",
        status: "open",
        payment_status: "unpaid",
        amount_subtotal: unit * quantity,
        amount_total: unit * quantity,
        currency: str(priceData.currency),
        customer: customer ?? null,
        client_reference_id: str(form.client_reference_id) ?? null,
        metadata: obj(form.metadata),
        payment_intent: null,
        payment_intent_data: obj(form.payment_intent_data),
        success_url: str(form.success_url),
        cancel_url: str(form.cancel_url),
        url: `${origin}/c/${sessionId}`,
        created: now(),
        expires_at: now() + 24 * 3600,
        livemode: false,
      };
      sessions.set(sessionId, session);
      return send(res, 200, session);
    }
    if (req.method === "GET" && p[1] === "checkout" && p[2] === "sessions" && p[3]) {
      const session = sessions.get(p[3]);
      return session ? send(res, 200, session) : error(res, 404, `No such checkout.session: '${p[3]}'`);
    }
    if (req.method === "GET" && p[1] === "charges" && p[2]) {
      const charge = charges.get(p[2]);
      return charge ? send(res, 200, charge) : error(res, 404, `No such charge: '${p[2]}'`);
    }
    if (req.method === "POST" && path === "/v1/refunds") {
      const charge = charges.get(str(form.charge) ?? "");
      if (!charge) return error(res, 404, `No such charge: '${str(form.charge)}'`);
      const left = Number(charge.amount) - Number(charge.amount_refunded);
      const amount = form.amount === undefined ? left : Number(str(form.amount));
      if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left) return error(res, 400, "Refund amount is greater than the unrefunded amount.");
      const refund = {
        id: id("re"),
        object: "refund",
        amount,
        charge: charge.id,
        currency: charge.currency,
        status: "succeeded",
        payment_intent: charge.payment_intent,
        metadata: {},
        created: now(),
      };
      refunds.set(refund.id, refund);
      charge.amount_refunded = Number(charge.amount_refunded) + amount;
      charge.refunded = charge.amount_refunded === charge.amount;
      return send(res, 200, refund);
    }
    if (req.method === "GET" && path === "/v1/refunds") {
      const chargeId = str(form.charge);
      const data = [...refunds.values()].filter((r) => !chargeId || r.charge === chargeId).reverse();
      return send(res, 200, { object: "list", url: "/v1/refunds", has_more: false, data });
    }
    return error(res, 404, `Unrecognized request URL (${req.method}: ${path}).`);
  }

  /** The buyer paid: the session is paid, with a payment intent and a charge (once). */
  function complete(session: Json): Json | undefined {
    if (session.payment_status !== "paid") {
      const pi = id("pi");
      const metadata = obj((session.payment_intent_data as Record<string, FormValue>).metadata);
      const charge = {
        id: id("ch"),
        object: "charge",
        amount: session.amount_total,
        amount_captured: session.amount_total,
        amount_refunded: 0,
        refunded: false,
        currency: session.currency,
        customer: session.customer,
        payment_intent: pi,
        metadata,
        paid: true,
        status: "succeeded",
        created: now(),
        livemode: false,
      };
      charges.set(charge.id, charge);
      Object.assign(session, { status: "complete", payment_status: "paid", payment_intent: pi, latest_charge: charge.id });
    }
    return [...charges.values()].find((c) => c.payment_intent === session.payment_intent);
  }

  /** Sends `event` to the webhook as Stripe does, and records the answer. */
  async function deliver(event: string): Promise<void> {
    if (!options.webhook) return;
    const { id: eventId, type, data } = JSON.parse(event) as { id: string; type: string; data: { object: { id: string } } };
    const headers = { "content-type": "application/json; charset=utf-8", "stripe-signature": stripeSignature(event, options.webhook.secret) };
    const delivery = await fetch(options.webhook.url, { method: "POST", headers, body: event }).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      (e: unknown) => ({ status: 0, body: e instanceof Error ? e.message : String(e) }),
    );
    deliveries.push({ event: eventId, type, object: data.object.id, status: delivery.status, body: delivery.body.slice(0, 4000) });
    if (deliveries.length > MAX_LOG) deliveries.splice(0, deliveries.length - MAX_LOG);
  }

  /** The session's checkout.session.completed, made once: a re-delivery is the same event. */
  function completedEvent(session: Json): string {
    const sessionId = String(session.id);
    let event = completedEvents.get(sessionId);
    if (!event) {
      const envelope = {
        id: id("evt"),
        object: "event",
        api_version: "2025-01-01",
        created: now(),
        type: "checkout.session.completed",
        data: { object: session },
      };
      event = JSON.stringify({ ...envelope, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null } });
      completedEvents.set(sessionId, event);
    }
    return event;
  }

  /** The hosted Checkout page (GET) and its Pay button (POST …/pay). */
  async function handleCheckout(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [, sessionId = "", action] = url.pathname.split("/").filter(Boolean);
    const session = sessions.get(sessionId);
    if (!session) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      return void res.end("<!doctype html><title>Not found</title><p>No such Checkout Session.</p>");
    }
    if (req.method === "GET" && action === undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(checkoutPage(session));
    }
    if (req.method !== "POST" || action !== "pay") return void error(res, 404, "Unknown Checkout action");
    complete(session);
    // Delivered before the redirect, so the buyer comes back to a credited balance.
    await deliver(completedEvent(session));
    res.writeHead(303, { location: String(session.success_url).replaceAll("{CHECKOUT_SESSION_ID}", sessionId) });
    res.end();
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const p = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && p[1] === "sessions" && p[3] === "complete") {
      const session = sessions.get(p[2] ?? "");
      if (!session) return void error(res, 404, "No such session");
      const charge = complete(session);
      return void send(res, 200, { session, charge });
    }
    if (req.method === "POST" && p[1] === "disputes") {
      const input = JSON.parse(body || "{}") as { charge?: string; amount?: number };
      const charge = charges.get(input.charge ?? "");
      if (!charge) return void error(res, 404, "No such charge");
      return void send(res, 200, {
        id: id("dp"),
        object: "dispute",
        amount: input.amount ?? charge.amount,
        charge: charge.id,
        currency: charge.currency,
        payment_intent: charge.payment_intent,
        reason: "fraudulent",
        status: "needs_response",
        metadata: {},
        created: now(),
        livemode: false,
      });
    }
    if (req.method === "GET" && p[1] === "requests") return void send(res, 200, requests);
    if (req.method === "GET" && p[1] === "deliveries") return void send(res, 200, deliveries);
    error(res, 404, "Unknown control");
  }

  function handleHook(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const [, name = "", action] = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && action === "fail") {
      hookFailures.set(name, Number((JSON.parse(body || "{}") as { times?: number }).times ?? 1));
      return void send(res, 200, { ok: true });
    }
    if (req.method === "GET") return void send(res, 200, hooks.get(name) ?? []);
    const list = hooks.get(name) ?? [];
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const failures = hookFailures.get(name) ?? 0;
    list.push({ headers, body: body.slice(0, 64_000) });
    hooks.set(name, list.slice(-100));
    if (failures > 0) {
      hookFailures.set(name, failures - 1);
      return void send(res, 500, { error: "try again" });
    }
    send(res, 200, { ok: true });
  }

  const server = createServer((req, res) => {
    // One request per connection: workerd pools idle connections, and reusing one the server
    // has just closed fails as "Network connection lost" under a busy test run.
    res.shouldKeepAlive = false;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      try {
        if (url.pathname.startsWith("/__control/")) return handleControl(req, res, url, body);
        if (url.pathname.startsWith("/__hooks/")) return handleHook(req, res, url, body);
        if (url.pathname.startsWith("/c/")) {
          return void handleCheckout(req, res, url).catch((e: unknown) => {
            if (!res.headersSent) error(res, 500, e instanceof Error ? e.message : String(e), "api_error");
          });
        }
        const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
        requests.push({
          method: req.method ?? "GET",
          path: url.pathname,
          form: decodeForm(req.method === "GET" ? url.search.slice(1) : body),
          idempotencyKey: key,
        });
        if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
        const replayKey = key && req.method === "POST" ? `${url.pathname}\n${key}` : null;
        const replay = replayKey ? idempotent.get(replayKey) : undefined;
        if (replay && replay.request !== body) {
          return void error(res, 400, "Keys for idempotent requests can only be used with the same parameters they were first used with.", "idempotency_error");
        }
        if (replay) {
          res.writeHead(replay.status, { "content-type": "application/json", "idempotent-replayed": "true", connection: "close" });
          return void res.end(replay.body);
        }
        const text = handleApi(req, res, url, body);
        if (replayKey) idempotent.set(replayKey, { status: res.statusCode, body: text, request: body });
      } catch (e) {
        if (!res.headersSent) error(res, 500, e instanceof Error ? e.message : String(e), "api_error");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
