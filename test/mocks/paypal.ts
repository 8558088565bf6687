// A local stand-in for PayPal's REST API, for tests: OAuth client credentials (Basic auth →
// a Bearer token with an expiry), Orders v2 with PayPal-Request-Id idempotency, captures, and
// verify-webhook-signature. Error bodies in PayPal's shape ({ name, message, details: [{ issue }] }).
//
//   POST /v1/oauth2/token                          grant_type=client_credentials
//   POST /v2/checkout/orders                       create (intent CAPTURE); its payer-action link
//                                                  is the hosted approval page below
//   GET  /v2/checkout/orders/:id                   the order
//   POST /v2/checkout/orders/:id/capture           capture an APPROVED order; then, given
//                                                  `webhook`, PAYMENT.CAPTURE.COMPLETED is sent
//   GET  /v2/payments/captures/:id                 a capture
//   POST /v1/notifications/verify-webhook-signature
// The hosted approval page, at an order's payer-action link (for the browser), as PayPal's
// www.paypal.com/checkoutnow?token=<order id>:
//   GET  /checkoutnow?token=:id                    the amount, an Approve button and a Cancel link
//   POST /checkoutnow/approve?token=:id            the buyer approved: the order is APPROVED, then
//                                                  303 to its return_url + token=<order id>&PayerID=…
//                                                  (the cancel link: cancel_url + token=<order id>)
// Test controls (no auth):
//   POST /__control/orders/:id/approve             the buyer approved the order
//   POST /__control/sign                           { event } → the PAYPAL-* headers that verify
//   POST /__control/token-ttl                      { seconds } for tokens issued from now on
//   GET  /__control/stats                          { tokens_issued, verify_calls, captures, webhooks_sent }
//   GET  /__control/deliveries                     the webhooks sent: [{ event, type, object, order, status, body }]
//   POST /__control/events/:id/resend              sends an event again (same body, new transmission),
//                                                  as PayPal's "resend event" does → its delivery
//
// Signatures: the real service checks an RSA signature over
// `<transmission id>|<time>|<webhook id>|<crc32 of the body>` with PayPal's certificate; this mock
// uses an HMAC-SHA256 with its own key over the same fields (sha256 for the body), so only
// /__control/sign and the mock's own deliveries carry headers that verify.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const PAYPAL_TEST_CLIENT_ID = "paypal-client-mock";
export const PAYPAL_TEST_CLIENT_SECRET = "paypal-secret-mock-0123456789";
export const PAYPAL_TEST_WEBHOOK_ID = "WH-MOCK-0123456789";

type Json = Record<string, unknown>;

const MAX_BODY = 1 << 20;
const SIGNING_KEY = randomBytes(32);

const paypalId = (length = 17) => randomBytes(length).toString("hex").toUpperCase().slice(0, length);

function signature(transmissionId: string, time: string, webhookId: string, event: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(event)).digest("hex");
  return createHmac("sha256", SIGNING_KEY).update(`${transmissionId}|${time}|${webhookId}|${digest}`).digest("base64");
}

export interface PaypalMockOptions {
  /** The client credentials the token endpoint takes (default PAYPAL_TEST_CLIENT_ID / _SECRET). */
  clientId?: string;
  clientSecret?: string;
  /** The webhook id signatures verify against (default PAYPAL_TEST_WEBHOOK_ID). */
  webhookId?: string;
  /** Where a capture's PAYMENT.CAPTURE.COMPLETED is sent, signed for `webhookId`. */
  webhook?: { url: string };
}

export interface PaypalWebhookDelivery {
  event: string;
  type: string;
  /** The id of the event's resource (the capture). */
  object: string;
  /** The order the capture belongs to. */
  order: string | null;
  /** The receiver's status; 0 when it could not be reached. */
  status: number;
  body: string;
}

const MAX_LOG = 2000;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `url` with `params` appended to its query as given, as PayPal appends token and PayerID to return_url. */
function withQuery(url: string, params: Record<string, string>): string {
  const hash = url.indexOf("#");
  const [base, fragment] = hash < 0 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes("?") ? "&" : "?"}${new URLSearchParams(params).toString()}${fragment}`;
}

function approvalPage(order: Json): string {
  const amount = ((order.purchase_units as Json[])[0]?.amount ?? {}) as { currency_code?: string; value?: string };
  const id = escapeHtml(String(order.id));
  const open = order.status === "PAYER_ACTION_REQUIRED" || order.status === "CREATED" || order.status === "APPROVED";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>Approve payment (mock PayPal)</title></head>
<body>
<h1>Mock PayPal</h1>
<p>Order <code>${id}</code></p>
<p>Total: <strong data-testid="amount">${escapeHtml(`${amount.value ?? "?"} ${amount.currency_code ?? ""}`.trim())}</strong></p>
${
  open
    ? `<form method="post" action="/checkoutnow/approve?token=${id}"><button type="submit">Approve</button></form>
<p><a href="/checkoutnow/cancel?token=${id}">Cancel and return</a></p>`
    : `<p>This order is ${escapeHtml(String(order.status).toLowerCase())}.</p>`
}
</body></html>
`;
}

export interface PaypalMock {
  port: number;
  close(): Promise<void>;
}

export async function startPaypalMock(options: PaypalMockOptions = {}): Promise<PaypalMock> {
  const clientId = options.clientId ?? PAYPAL_TEST_CLIENT_ID;
  const clientSecret = options.clientSecret ?? PAYPAL_TEST_CLIENT_SECRET;
  const webhookId = options.webhookId ?? PAYPAL_TEST_WEBHOOK_ID;
  const tokens = new Map<string, number>(); // token → expires at (ms)
  const orders = new Map<string, Json>();
  const captures = new Map<string, Json>();
  const byRequestId = new Map<string, { status: number; body: string }>();
  /** What the buyer's browser needs and the order does not show: where to send them back. */
  const experience = new Map<string, { returnUrl: string | null; cancelUrl: string | null; payerId: string | null }>();
  const events = new Map<string, { text: string; type: string; object: string; order: string | null }>(); // event id → the event
  const deliveries: PaypalWebhookDelivery[] = [];
  let tokenTtlSeconds = 32_400;
  let origin = ""; // set once listening
  const stats = { tokens_issued: 0, verify_calls: 0, captures: 0, webhooks_sent: 0 };

  const send = (res: ServerResponse, status: number, body: unknown): string => {
    const text = JSON.stringify(body);
    // connection: close — no pooled socket for the client to reuse just as the server drops it.
    res.writeHead(status, { "content-type": "application/json", "paypal-debug-id": paypalId(12).toLowerCase(), connection: "close" });
    res.end(text);
    return text;
  };
  const fail = (res: ServerResponse, status: number, name: string, issue: string, message = issue) =>
    send(res, status, { name, message, details: [{ issue, description: message }] });

  /** Sends a stored event to the webhook, signed as PayPal signs a transmission, and records the answer. */
  async function deliver(eventId: string): Promise<PaypalWebhookDelivery | null> {
    const event = events.get(eventId);
    if (!options.webhook || !event) return null;
    const transmissionId = randomBytes(16).toString("hex");
    const time = new Date().toISOString();
    const headers = {
      "content-type": "application/json",
      "paypal-auth-algo": "SHA256withRSA",
      "paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-mock",
      "paypal-transmission-id": transmissionId,
      "paypal-transmission-sig": signature(transmissionId, time, webhookId, JSON.parse(event.text)),
      "paypal-transmission-time": time,
    };
    stats.webhooks_sent++;
    const answer = await fetch(options.webhook.url, { method: "POST", headers, body: event.text }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (e: unknown) => ({ status: 0, body: e instanceof Error ? e.message : String(e) }),
    );
    const delivery = { event: eventId, type: event.type, object: event.object, order: event.order, status: answer.status, body: answer.body.slice(0, 4000) };
    deliveries.push(delivery);
    if (deliveries.length > MAX_LOG) deliveries.splice(0, deliveries.length - MAX_LOG);
    return delivery;
  }

  /** PAYMENT.CAPTURE.COMPLETED for a capture of `orderId`, stored for resends; its id. */
  function captureCompleted(capture: Json, orderId: string): string {
    const id = `WH-${paypalId()}-${paypalId()}`;
    const amount = capture.amount as { currency_code: string; value: string };
    const resource = { ...capture, supplementary_data: { related_ids: { order_id: orderId } }, update_time: new Date().toISOString() };
    const event = {
      id,
      event_version: "1.0",
      create_time: new Date().toISOString(),
      resource_type: "capture",
      resource_version: "2.0",
      event_type: "PAYMENT.CAPTURE.COMPLETED",
      summary: `Payment completed for ${amount.value} ${amount.currency_code}`,
      resource,
      links: [{ href: `https://api-m.paypal.test/v1/notifications/webhooks-events/${id}`, rel: "self", method: "GET" }],
    };
    events.set(id, { text: JSON.stringify(event), type: event.event_type, object: String(capture.id), order: orderId });
    return id;
  }

  /** The buyer approved: the order can be captured (once it is not already). */
  function approve(order: Json): string {
    const seen = experience.get(String(order.id));
    const payerId = seen?.payerId ?? paypalId(13);
    if (seen) seen.payerId = payerId;
    if (order.status !== "COMPLETED") {
      order.status = "APPROVED";
      order.payer = { name: { given_name: "Mock", surname: "Buyer" }, email_address: "buyer@example.com", payer_id: payerId, address: { country_code: "US" } };
      order.payment_source = {
        paypal: { email_address: "buyer@example.com", account_id: payerId, account_status: "VERIFIED", name: { given_name: "Mock", surname: "Buyer" } },
      };
    }
    return payerId;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, path: string, body: string): string {
    if (req.method === "POST" && path === "/v1/oauth2/token") {
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
      if (req.headers.authorization !== expected) return send(res, 401, { error: "invalid_client", error_description: "Client Authentication failed" });
      if (new URLSearchParams(body).get("grant_type") !== "client_credentials") return send(res, 400, { error: "unsupported_grant_type" });
      const token = `A21AA${randomBytes(24).toString("hex")}`;
      tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
      stats.tokens_issued++;
      return send(res, 200, {
        scope: "https://uri.paypal.com/services/payments/payment",
        access_token: token,
        token_type: "Bearer",
        app_id: "APP-MOCK",
        expires_in: tokenTtlSeconds,
        nonce: paypalId(),
      });
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expires = token ? tokens.get(token) : undefined;
    if (!expires || expires <= Date.now()) return send(res, 401, { error: "invalid_token", error_description: "Token signature verification failed" });

    const json = (): Json => (body ? (JSON.parse(body) as Json) : {});
    const requestId = typeof req.headers["paypal-request-id"] === "string" ? `${path}\n${req.headers["paypal-request-id"]}` : null;
    const remember = (status: number, payload: unknown) => {
      const text = send(res, status, payload);
      if (requestId && status < 300) byRequestId.set(requestId, { status, body: text });
      return text;
    };
    if (req.method === "POST" && requestId && byRequestId.has(requestId)) {
      const replay = byRequestId.get(requestId)!;
      res.writeHead(replay.status, { "content-type": "application/json", connection: "close" });
      res.end(replay.body);
      return replay.body;
    }

    const p = path.split("/").filter(Boolean);
    if (req.method === "POST" && path === "/v2/checkout/orders") {
      const input = json();
      const units = Array.isArray(input.purchase_units) ? (input.purchase_units as Json[]) : [];
      const amount = units[0]?.amount as { currency_code?: string; value?: string } | undefined;
      if (input.intent !== "CAPTURE" || units.length !== 1 || !amount?.value || !/^\d+(\.\d{2})?$/.test(amount.value)) {
        return fail(res, 422, "UNPROCESSABLE_ENTITY", "INVALID_PARAMETER_VALUE");
      }
      const orderId = paypalId();
      const source = (input.payment_source as { paypal?: { experience_context?: { return_url?: unknown; cancel_url?: unknown } } } | undefined)?.paypal
        ?.experience_context;
      const url = (v: unknown) => (typeof v === "string" && /^https?:\/\//.test(v) ? v : null);
      experience.set(orderId, { returnUrl: url(source?.return_url), cancelUrl: url(source?.cancel_url), payerId: null });
      const order = {
        id: orderId,
        intent: "CAPTURE",
        status: "PAYER_ACTION_REQUIRED",
        purchase_units: units.map((u) => ({ reference_id: "default", ...u })),
        create_time: new Date().toISOString(),
        links: [
          { href: `https://api-m.paypal.test/v2/checkout/orders/${orderId}`, rel: "self", method: "GET" },
          { href: `${origin}/checkoutnow?token=${orderId}`, rel: "payer-action", method: "GET" },
        ],
      };
      orders.set(orderId, order);
      return remember(200, order);
    }
    if (p[0] === "v2" && p[1] === "checkout" && p[2] === "orders" && p[3]) {
      const order = orders.get(p[3]);
      if (!order) return fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.");
      if (req.method === "GET" && !p[4]) return send(res, 200, order);
      if (req.method === "POST" && p[4] === "capture") {
        if (order.status === "COMPLETED") return fail(res, 422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED");
        if (order.status !== "APPROVED") return fail(res, 422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED");
        const unit = (order.purchase_units as Json[])[0]!;
        const captureId = paypalId();
        const capture = {
          id: captureId,
          status: "COMPLETED",
          amount: unit.amount,
          custom_id: unit.custom_id,
          final_capture: true,
          create_time: new Date().toISOString(),
          links: [
            { href: `https://api-m.paypal.test/v2/payments/captures/${captureId}`, rel: "self", method: "GET" },
            { href: `https://api-m.paypal.test/v2/checkout/orders/${order.id}`, rel: "up", method: "GET" },
          ],
        };
        captures.set(captureId, capture);
        stats.captures++;
        order.status = "COMPLETED";
        unit.payments = { captures: [capture] };
        // As PayPal does, the webhook follows the capture's answer, not before it.
        const eventId = captureCompleted(capture, String(order.id));
        res.once("finish", () => void deliver(eventId));
        return remember(201, order);
      }
    }
    if (req.method === "GET" && p[0] === "v2" && p[1] === "payments" && p[2] === "captures" && p[3]) {
      const capture = captures.get(p[3]);
      return capture ? send(res, 200, capture) : fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
    }
    if (req.method === "POST" && path === "/v1/notifications/verify-webhook-signature") {
      stats.verify_calls++;
      const input = json() as {
        transmission_id?: string;
        transmission_time?: string;
        transmission_sig?: string;
        webhook_id?: string;
        webhook_event?: unknown;
        auth_algo?: string;
        cert_url?: string;
      };
      if (
        !input.transmission_id ||
        !input.transmission_time ||
        !input.transmission_sig ||
        !input.webhook_id ||
        !input.auth_algo ||
        !input.cert_url ||
        input.webhook_event === undefined
      ) {
        return fail(res, 400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER");
      }
      const expected = Buffer.from(signature(input.transmission_id, input.transmission_time, input.webhook_id, input.webhook_event));
      const given = Buffer.from(input.transmission_sig);
      const ok = input.webhook_id === webhookId && expected.length === given.length && timingSafeEqual(expected, given);
      return send(res, 200, { verification_status: ok ? "SUCCESS" : "FAILURE" });
    }
    return fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", `No route for ${req.method} ${path}`);
  }

  /** The hosted approval page (GET /checkoutnow) and its Approve button and Cancel link. */
  function handleCheckout(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const order = orders.get(url.searchParams.get("token") ?? "");
    const page = (status: number, html: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" });
      res.end(html);
    };
    const redirect = (location: string) => {
      res.writeHead(303, { location, connection: "close" });
      res.end();
    };
    if (!order) return page(404, "<!doctype html><title>Not found</title><p>No such order.</p>");
    const orderId = String(order.id);
    const seen = experience.get(orderId);
    if (req.method === "GET" && url.pathname === "/checkoutnow") return page(200, approvalPage(order));
    if (req.method === "POST" && url.pathname === "/checkoutnow/approve") {
      if (order.status === "COMPLETED" || order.status === "VOIDED") return page(422, approvalPage(order));
      const payerId = approve(order);
      if (!seen?.returnUrl) return page(200, `<!doctype html><title>Approved</title><p>Order ${escapeHtml(orderId)} approved; it has no return_url.</p>`);
      return redirect(withQuery(seen.returnUrl, { token: orderId, PayerID: payerId }));
    }
    if (req.method === "GET" && url.pathname === "/checkoutnow/cancel") {
      if (!seen?.cancelUrl) return page(200, `<!doctype html><title>Cancelled</title><p>Order ${escapeHtml(orderId)} not approved; it has no cancel_url.</p>`);
      return redirect(withQuery(seen.cancelUrl, { token: orderId }));
    }
    page(404, "<!doctype html><title>Not found</title><p>No such page.</p>");
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
    const p = path.split("/").filter(Boolean);
    const input = (body ? JSON.parse(body) : {}) as Json;
    if (req.method === "POST" && p[1] === "orders" && p[3] === "approve") {
      const order = orders.get(p[2] ?? "");
      if (!order) return void fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
      approve(order);
      return void send(res, 200, order);
    }
    if (req.method === "GET" && p[1] === "deliveries") return void send(res, 200, deliveries);
    if (req.method === "POST" && p[1] === "events" && p[3] === "resend") {
      if (!events.has(p[2] ?? "")) return void fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
      const delivery = await deliver(p[2]!);
      return void (delivery ? send(res, 200, delivery) : fail(res, 422, "UNPROCESSABLE_ENTITY", "NO_WEBHOOK_CONFIGURED"));
    }
    if (req.method === "POST" && p[1] === "sign") {
      const transmissionId = randomBytes(16).toString("hex");
      const time = new Date().toISOString();
      const signedFor = typeof input.webhook_id === "string" ? input.webhook_id : webhookId;
      return void send(res, 200, {
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-mock",
        "paypal-transmission-id": transmissionId,
        "paypal-transmission-sig": signature(transmissionId, time, signedFor, input.event),
        "paypal-transmission-time": time,
      });
    }
    if (req.method === "POST" && p[1] === "token-ttl") {
      tokenTtlSeconds = Number(input.seconds ?? 32_400);
      return void send(res, 200, { ok: true });
    }
    if (req.method === "GET" && p[1] === "stats") return void send(res, 200, stats);
    fail(res, 404, "RESOURCE_NOT_FOUND", "UNKNOWN_CONTROL");
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
      const path = url.pathname;
      const failed = (e: unknown) => {
        if (!res.headersSent) fail(res, 500, "INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", e instanceof Error ? e.message : String(e));
      };
      try {
        if (path.startsWith("/__control/")) handleControl(req, res, path, body).catch(failed);
        else if (path === "/checkoutnow" || path.startsWith("/checkoutnow/")) handleCheckout(req, res, url);
        else handleApi(req, res, path, body);
      } catch (e) {
        failed(e);
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
