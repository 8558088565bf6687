// PayPal REST over fetch (no SDK): an OAuth client-credentials token cached until it expires,
// Orders v2 (create, get, capture), captures, and webhook signature verification.
import * as z from "zod";

export interface PaypalConfig {
  clientId: string;
  clientSecret: string;
  /** Needed for the webhook only: verify-webhook-signature checks against it. */
  webhookId: string | null;
  apiBase: string;
}

const TIMEOUT_MS = 20_000;
/** Renew a token this long before PayPal says it expires. */
const EXPIRY_MARGIN_MS = 60_000;

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

const money = z.object({ currency_code: z.string(), value: z.string() });
const link = z.object({ href: z.string(), rel: z.string(), method: z.string().optional() });

export const captureSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  amount: money.optional(),
  custom_id: z.string().optional(),
  links: z.array(link).optional(),
});
export type PaypalCapture = z.output<typeof captureSchema>;

export const orderSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  links: z.array(link).optional(),
  purchase_units: z
    .array(
      z.object({
        custom_id: z.string().optional(),
        amount: money.optional(),
        payments: z.object({ captures: z.array(captureSchema).optional() }).optional(),
      }),
    )
    .optional(),
});
export type PaypalOrder = z.output<typeof orderSchema>;

/** A refund or a reversal: the amount taken back and, in its links, the capture it belongs to. */
export const refundSchema = z.object({
  id: z.string().min(1),
  status: z.string().optional(),
  amount: money.optional(),
  custom_id: z.string().optional(),
  links: z.array(link).optional(),
});

const errorBody = z.object({
  name: z.string().optional(),
  message: z.string().optional(),
  details: z.array(z.object({ issue: z.string().optional() })).optional(),
});

export class PaypalError extends Error {
  readonly status: number;
  readonly issue: string | undefined;
  constructor(status: number, message: string, issue?: string) {
    super(message);
    this.name = "PaypalError";
    this.status = status;
    this.issue = issue;
  }
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const tokens = new Map<string, CachedToken>();
const pending = new Map<string, Promise<string>>();

const cacheKey = (config: PaypalConfig) => `${config.apiBase}\n${config.clientId}`;

/** The cached token, or a new one (concurrent callers share one token request). */
export async function accessToken(config: PaypalConfig, now = Date.now()): Promise<string> {
  const key = cacheKey(config);
  const cached = tokens.get(key);
  if (cached && cached.expiresAt > now) return cached.token;
  let request = pending.get(key);
  if (!request) {
    request = (async () => {
      const res = await send(`${config.apiBase}/v1/oauth2/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${config.clientId}:${config.clientSecret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
      });
      const body: unknown = await res.json().catch(() => null);
      const parsed = tokenResponse.safeParse(body);
      if (!res.ok || !parsed.success) throw new PaypalError(res.status === 401 ? 502 : res.status, "PayPal refused the client credentials.");
      tokens.set(key, { token: parsed.data.access_token, expiresAt: Date.now() + parsed.data.expires_in * 1000 - EXPIRY_MARGIN_MS });
      return parsed.data.access_token;
    })().finally(() => pending.delete(key));
    pending.set(key, request);
  }
  return request;
}

/** Drops the cached token (PayPal answered 401 with it, or tests). */
export function forgetToken(config: PaypalConfig): void {
  tokens.delete(cacheKey(config));
}

/**
 * fetch, tried once more when the connection fails before an answer: every call here is safe to
 * repeat (GETs, the token, POSTs carrying a PayPal-Request-Id or having no effect).
 */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) throw error;
    return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  }
}

async function call<S extends z.ZodType>(
  config: PaypalConfig,
  method: "GET" | "POST",
  path: string,
  schema: S,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<z.output<S>> {
  for (let attempt = 0; ; attempt++) {
    const token = await accessToken(config);
    const res = await send(`${config.apiBase}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        prefer: "return=representation",
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 401 && attempt === 0) {
      await res.body?.cancel();
      forgetToken(config); // revoked or expired early: one fresh token, one more try
      continue;
    }
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = errorBody.safeParse(json);
      const issue = error.success ? (error.data.details?.[0]?.issue ?? error.data.name) : undefined;
      throw new PaypalError(res.status, (error.success && error.data.message) || `PayPal answered ${res.status}.`, issue);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new PaypalError(502, "PayPal answered with an unexpected body.");
    return parsed.data;
  }
}

export interface CreateOrderInput {
  tenantId: string;
  amountValue: string;
  currency: string;
  requestId: string;
  returnUrl: string;
  cancelUrl: string;
}

export function createOrder(config: PaypalConfig, input: CreateOrderInput): Promise<PaypalOrder> {
  return call(
    config,
    "POST",
    "/v2/checkout/orders",
    orderSchema,
    {
      intent: "CAPTURE",
      purchase_units: [
        {
          custom_id: input.tenantId,
          description: "AI Aggregator credit",
          amount: { currency_code: input.currency.toUpperCase(), value: input.amountValue },
        },
      ],
      payment_source: {
        paypal: {
          experience_context: { return_url: input.returnUrl, cancel_url: input.cancelUrl, user_action: "PAY_NOW", shipping_preference: "NO_SHIPPING" },
        },
      },
    },
    { "paypal-request-id": input.requestId },
  );
}

export function getOrder(config: PaypalConfig, orderId: string): Promise<PaypalOrder> {
  return call(config, "GET", `/v2/checkout/orders/${encodeURIComponent(orderId)}`, orderSchema);
}

/** Captures an approved order; a repeat (same PayPal-Request-Id) answers the same capture. */
export function captureOrder(config: PaypalConfig, orderId: string): Promise<PaypalOrder> {
  return call(config, "POST", `/v2/checkout/orders/${encodeURIComponent(orderId)}/capture`, orderSchema, {}, { "paypal-request-id": `capture-${orderId}` });
}

export function getCapture(config: PaypalConfig, captureId: string): Promise<PaypalCapture> {
  return call(config, "GET", `/v2/payments/captures/${encodeURIComponent(captureId)}`, captureSchema);
}

export const WEBHOOK_HEADERS = [
  "paypal-auth-algo",
  "paypal-cert-url",
  "paypal-transmission-id",
  "paypal-transmission-sig",
  "paypal-transmission-time",
] as const;

const verification = z.object({ verification_status: z.string() });

/** Asks PayPal whether the delivery is genuine (POST /v1/notifications/verify-webhook-signature). */
export async function verifyWebhook(config: PaypalConfig, headers: Headers, event: unknown): Promise<boolean> {
  const values = WEBHOOK_HEADERS.map((name) => headers.get(name));
  if (!config.webhookId || values.some((v) => !v)) return false;
  const [authAlgo, certUrl, transmissionId, transmissionSig, transmissionTime] = values as string[];
  const result = await call(config, "POST", "/v1/notifications/verify-webhook-signature", verification, {
    auth_algo: authAlgo,
    cert_url: certUrl,
    transmission_id: transmissionId,
    transmission_sig: transmissionSig,
    transmission_time: transmissionTime,
    webhook_id: config.webhookId,
    webhook_event: event,
  });
  return result.verification_status === "SUCCESS";
}

/** The capture a refund or reversal belongs to, from its `up` link. */
export function captureIdOf(links: { href: string; rel: string }[] | undefined): string | null {
  const up = links?.find((l) => l.rel === "up" && /\/v2\/payments\/captures\//.test(l.href));
  return up ? decodeURIComponent(up.href.replace(/\/+$/, "").split("/").pop() ?? "") || null : null;
}
