// Payment configuration: which processors this server can use (their secrets are set), the
// top-up limits and currency, and exact conversions between micro-dollars and the processors'
// amounts (Stripe: integer minor units; PayPal: decimal strings). Never a float.
import { intVar } from "../../core/env-vars.ts";
import { AppError } from "../../core/errors.ts";
import type { Env } from "../../env.ts";
import type { PaypalConfig } from "../../services/paypal.ts";
import type { StripeConfig } from "../../services/stripe.ts";

export interface TopupConfig {
  minMicros: number;
  maxMicros: number;
  /** Lower case ISO 4217, a two-decimal currency. */
  currency: string;
}

const MICROS_PER_MINOR_UNIT = 10_000;
const DEFAULT_MIN = 5_000_000;
const DEFAULT_MAX = 10_000_000_000;

export function topupConfig(env: Env): TopupConfig {
  const minMicros = intVar(env.TOPUP_MIN_MICROS, DEFAULT_MIN);
  const maxMicros = Math.max(minMicros, intVar(env.TOPUP_MAX_MICROS, DEFAULT_MAX));
  const currency = /^[a-z]{3}$/i.test(env.BILLING_CURRENCY ?? "") ? env.BILLING_CURRENCY!.toLowerCase() : "usd";
  return { minMicros, maxMicros, currency };
}

const present = (value: string | undefined): value is string => typeof value === "string" && value.trim() !== "";

export function stripeConfig(env: Env): StripeConfig | null {
  if (!present(env.STRIPE_SECRET_KEY) || !present(env.STRIPE_WEBHOOK_SECRET)) return null;
  return { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: env.STRIPE_API_BASE || "https://api.stripe.com" };
}

export function paypalConfig(env: Env): PaypalConfig | null {
  if (!present(env.PAYPAL_CLIENT_ID) || !present(env.PAYPAL_CLIENT_SECRET)) return null;
  return {
    clientId: env.PAYPAL_CLIENT_ID,
    clientSecret: env.PAYPAL_CLIENT_SECRET,
    webhookId: present(env.PAYPAL_WEBHOOK_ID) ? env.PAYPAL_WEBHOOK_ID : null,
    apiBase: (env.PAYPAL_API_BASE || "https://api-m.paypal.com").replace(/\/+$/, ""),
  };
}

export function paymentMethods(env: Env): { stripe: boolean; paypal: boolean } {
  return { stripe: stripeConfig(env) !== null, paypal: paypalConfig(env) !== null };
}

export function notConfigured(processor: "Stripe" | "PayPal"): AppError {
  return new AppError("unavailable", `${processor} payments are not configured on this server.`, { code: "not_configured" });
}

export function requireStripe(env: Env): StripeConfig {
  const config = stripeConfig(env);
  if (!config) throw notConfigured("Stripe");
  return config;
}

export function requirePaypal(env: Env, forWebhook = false): PaypalConfig {
  const config = paypalConfig(env);
  if (!config || (forWebhook && !config.webhookId)) throw notConfigured("PayPal");
  return config;
}

/** A top-up amount the processors can charge: within the limits, a whole number of cents. */
export function checkTopupAmount(env: Env, amountMicros: number): TopupConfig {
  const config = topupConfig(env);
  if (amountMicros < config.minMicros || amountMicros > config.maxMicros) {
    throw new AppError("invalid_request", `amount_micros must be between ${config.minMicros} and ${config.maxMicros}.`, {
      code: "amount_out_of_range",
      param: "amount_micros",
    });
  }
  if (amountMicros % MICROS_PER_MINOR_UNIT !== 0) {
    throw new AppError("invalid_request", "amount_micros must be a whole number of cents (a multiple of 10000).", {
      code: "invalid_amount",
      param: "amount_micros",
    });
  }
  return config;
}

// ── exact conversions ─────────────────────────────────────────────────────────────────────

/** Cents → micro-dollars. */
export function minorToMicros(minor: number): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  return minor * MICROS_PER_MINOR_UNIT;
}

/** Micro-dollars → cents (the amount must be a whole number of cents). */
export function microsToMinor(micros: number): number {
  if (!Number.isSafeInteger(micros) || micros % MICROS_PER_MINOR_UNIT !== 0) throw new RangeError(`not a whole number of cents: ${micros}`);
  return micros / MICROS_PER_MINOR_UNIT;
}

/** Micro-dollars → PayPal's "12.34". */
export function microsToDecimal(micros: number): string {
  const cents = microsToMinor(micros);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** PayPal's "12.34" (up to 6 decimals) → micro-dollars, exactly; null when it is not a decimal amount. */
export function decimalToMicros(value: string): number | null {
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,6}))?$/.exec(value.trim());
  if (!match) return null;
  const micros = Number(match[2]) * 1_000_000 + Number((match[3] ?? "").padEnd(6, "0"));
  return match[1] === "-" ? -micros : micros;
}
