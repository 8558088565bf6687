// A local stand-in for PayPal's REST API, for tests: OAuth client credentials (Basic auth →
// a Bearer token with an expiry), Orders v2 with PayPal-Request-Id idempotency, captures, and
// verify-webhook-signature. Error bodies in PayPal's shape ({ name, message, details: [{ issue }] }).
//
//   POST /v1/oauth2/token                          grant_type=client_credentials
//   POST /v2/checkout/orders                       create (intent CAPTURE)
//   GET  /v2/checkout/orders/:id                   the order
//   POST /v2/checkout/orders/:id/capture           capture an APPROVED order
//   GET  /v2/payments/captures/:id                 a capture
//   POST /v1/notifications/verify-webhook-signature
// Test controls (no auth):
//   POST /__control/orders/:id/approve             the buyer approved the order
//   POST /__control/sign                           { event } → the PAYPAL-* headers that verify
//   POST /__control/token-ttl                      { seconds } for tokens issued from now on
//   GET  /__control/stats                          { tokens_issued, verify_calls, captures }
//
// Signatures: the real service checks an RSA signature over
// `<transmission id>|<time>|<webhook id>|<crc32 of the body>` with PayPal's certificate; this mock
// uses an HMAC-SHA256 with its own key over the same fields (sha256 for the body), so only
// /__control/sign can produce headers that verify.
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

export interface PaypalMock {
  port: number;
  close(): Promise<void>;
}

export async function startPaypalMock(): Promise<PaypalMock> {
  const tokens = new Map<string, number>(); // token → expires at (ms)
  const orders = new Map<string, Json>();
  const captures = new Map<string, Json>();
  const byRequestId = new Map<string, { status: number; body: string }>();
  let tokenTtlSeconds = 32_400;
  const stats = { tokens_issued: 0, verify_calls: 0, captures: 0 };

  const send = (res: ServerResponse, status: number, body: unknown): string => {
    const text = JSON.stringify(body);
    // connection: close — no pooled socket for the client to reuse just as the server drops it.
    res.writeHead(status, { "content-type": "application/json", "paypal-debug-id": paypalId(12).toLowerCase(), connection: "close" });
    res.end(text);
    return text;
  };
  const fail = (res: ServerResponse, status: number, name: string, issue: string, message = issue) => send(res, status, { name, message, details: [{ issue, description: message }] });

  function handleApi(req: IncomingMessage, res: ServerResponse, path: string, body: string): string {
    if (req.method === "POST" && path === "/v1/oauth2/token") {
      const expected = `Basic ${Buffer.from(`${PAYPAL_TEST_CLIENT_ID}:${PAYPAL_TEST_CLIENT_SECRET}`).toString("base64")}`;
      if (req.headers.authorization !== expected) return send(res, 401, { error: "invalid_client", error_description: "Client Authentication failed" });
      if (new URLSearchParams(body).get("grant_type") !== "client_credentials") return send(res, 400, { error: "unsupported_grant_type" });
      const token = `A21AA${randomBytes(24).toString("hex")}`;
      tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
      stats.tokens_issued++;
      return send(res, 200, { scope: "https://uri.paypal.com/services/payments/payment", access_token: token, token_type: "Bearer", app_id: "APP-MOCK", expires_in: tokenTtlSeconds, nonce: paypalId() });
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
      const order = {
        id: orderId,
        intent: "CAPTURE",
        status: "PAYER_ACTION_REQUIRED",
        purchase_units: units.map((u) => ({ reference_id: "default", ...u })),
        create_time: new Date().toISOString(),
        links: [
          { href: `https://api-m.paypal.test/v2/checkout/orders/${orderId}`, rel: "self", method: "GET" },
          { href: `https://www.paypal.test/checkoutnow?token=${orderId}`, rel: "payer-action", method: "GET" },
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
        return remember(201, order);
      }
    }
    if (req.method === "GET" && p[0] === "v2" && p[1] === "payments" && p[2] === "captures" && p[3]) {
      const capture = captures.get(p[3]);
      return capture ? send(res, 200, capture) : fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
    }
    if (req.method === "POST" && path === "/v1/notifications/verify-webhook-signature") {
      stats.verify_calls++;
      const input = json() as { transmission_id?: string; transmission_time?: string; transmission_sig?: string; webhook_id?: string; webhook_event?: unknown; auth_algo?: string; cert_url?: string };
      if (!input.transmission_id || !input.transmission_time || !input.transmission_sig || !input.webhook_id || !input.auth_algo || !input.cert_url || input.webhook_event === undefined) {
        return fail(res, 400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER");
      }
      const expected = Buffer.from(signature(input.transmission_id, input.transmission_time, input.webhook_id, input.webhook_event));
      const given = Buffer.from(input.transmission_sig);
      const ok = input.webhook_id === PAYPAL_TEST_WEBHOOK_ID && expected.length === given.length && timingSafeEqual(expected, given);
      return send(res, 200, { verification_status: ok ? "SUCCESS" : "FAILURE" });
    }
    return fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", `No route for ${req.method} ${path}`);
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
    const p = path.split("/").filter(Boolean);
    const input = (body ? JSON.parse(body) : {}) as Json;
    if (req.method === "POST" && p[1] === "orders" && p[3] === "approve") {
      const order = orders.get(p[2] ?? "");
      if (!order) return void fail(res, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
      if (order.status !== "COMPLETED") order.status = "APPROVED";
      return void send(res, 200, order);
    }
    if (req.method === "POST" && p[1] === "sign") {
      const transmissionId = randomBytes(16).toString("hex");
      const time = new Date().toISOString();
      const webhookId = typeof input.webhook_id === "string" ? input.webhook_id : PAYPAL_TEST_WEBHOOK_ID;
      return void send(res, 200, {
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-mock",
        "paypal-transmission-id": transmissionId,
        "paypal-transmission-sig": signature(transmissionId, time, webhookId, input.event),
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
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      try {
        if (path.startsWith("/__control/")) handleControl(req, res, path, body);
        else handleApi(req, res, path, body);
      } catch (e) {
        if (!res.headersSent) fail(res, 500, "INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", e instanceof Error ? e.message : String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
