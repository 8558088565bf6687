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
// Test controls (no auth):
//   POST /__control/sessions/:id/complete   the buyer paid: the session is paid, with a
//                                           payment intent and a charge → { session, charge }
//   POST /__control/disputes                { charge, amount? } → a dispute object
//   GET  /__control/requests                what reached /v1 (method, path, form, idempotency key)
//   POST /__hooks/:name                     records a delivery (alert webhooks); answers 500 while
//                                           POST /__hooks/:name/fail { times } has failures left
//   GET  /__hooks/:name                     the deliveries recorded: [{ headers, body }]
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const STRIPE_TEST_KEY = "sk_test_mock_0123456789";
export const STRIPE_TEST_WEBHOOK_SECRET = "whsec_test_mock_0123456789abcdef";

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

export interface StripeMock {
  port: number;
  close(): Promise<void>;
}

export async function startStripeMock(): Promise<StripeMock> {
  const customers = new Map<string, Json>();
  const sessions = new Map<string, Json>();
  const charges = new Map<string, Json>();
  const refunds = new Map<string, Json>();
  const idempotent = new Map<string, { status: number; body: string; request: string }>();
  const requests: RecordedStripeRequest[] = [];
  const hooks = new Map<string, { headers: Record<string, string>; body: string }[]>();
  const hookFailures = new Map<string, number>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    // connection: close — no pooled socket for the client to reuse just as the server drops it.
    res.writeHead(status, { "content-type": "application/json", "request-id": id("req"), connection: "close" });
    res.end(text);
    return text;
  };
  const error = (res: ServerResponse, status: number, message: string, type = "invalid_request_error") => send(res, status, { error: { type, message } });

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, body: string): string {
    if (req.headers.authorization !== `Bearer ${STRIPE_TEST_KEY}`) return error(res, 401, "Invalid API Key provided.");
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
        url: `https://checkout.stripe.test/c/pay/${sessionId}`,
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
      const refund = { id: id("re"), object: "refund", amount, charge: charge.id, currency: charge.currency, status: "succeeded", payment_intent: charge.payment_intent, metadata: {}, created: now() };
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

  function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const p = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && p[1] === "sessions" && p[3] === "complete") {
      const session = sessions.get(p[2] ?? "");
      if (!session) return void error(res, 404, "No such session");
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
      const charge = [...charges.values()].find((c) => c.payment_intent === session.payment_intent);
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
        const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
        requests.push({ method: req.method ?? "GET", path: url.pathname, form: decodeForm(req.method === "GET" ? url.search.slice(1) : body), idempotencyKey: key });
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
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
