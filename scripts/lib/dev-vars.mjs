// `.dev.vars` holds local secrets. Missing ones are generated; every existing line is kept.
// Payment settings may also come from the environment of `npm start`, without touching it.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./run.mjs";

const REQUIRED = ["JWT_SECRET", "SECRETS_KEY"];
/** Web Push's VAPID pair (RFC 8292): generated together, kept like the other secrets. */
const VAPID = ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"];

/** A P-256 pair as Web Push uses it: the public key as its 65-byte uncompressed point, the private as the JWK's d (base64url). */
export function vapidKeys() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pub = publicKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x, "base64url"), Buffer.from(pub.y, "base64url")]);
  return { VAPID_PUBLIC_KEY: point.toString("base64url"), VAPID_PRIVATE_KEY: privateKey.export({ format: "jwk" }).d };
}
const DEV_VARS = path.join(root, ".dev.vars");

/** Payment settings (worker/env.ts) the environment may set over .dev.vars. */
export const PAYMENT_VARS = [
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_API_BASE",
  "PAYPAL_CLIENT_ID",
  "PAYPAL_CLIENT_SECRET",
  "PAYPAL_WEBHOOK_ID",
  "PAYPAL_API_BASE",
];

export function ensureDevVars(file = DEV_VARS) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const present = new Set(
    text
      .split(/\r?\n/)
      .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
      .filter(Boolean),
  );
  const missing = REQUIRED.filter((name) => !present.has(name));
  const values = Object.fromEntries(missing.map((name) => [name, randomBytes(32).toString("base64url")]));
  if (VAPID.every((name) => !present.has(name))) {
    Object.assign(values, vapidKeys());
    missing.push(...VAPID);
  }
  if (missing.length === 0) return [];
  const lines = missing.map((name) => `${name}=${values[name]}`);
  const prefix = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  writeFileSync(file, `${prefix}${lines.join("\n")}\n`, { mode: 0o600 });
  return missing;
}

/** The payment settings set in `env`, as Worker bindings (over .dev.vars; empty turns one off). */
export function paymentBindings(env = process.env) {
  return Object.fromEntries(PAYMENT_VARS.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/**
 * wrangler dev reads .dev.vars but not the environment. The payment settings set in `env` (an
 * empty one turns a setting off) go to `<stateDir>/payments.env` (0600; each app its own), which
 * wrangler dev then reads after .dev.vars: `--env-file` twice, the later file winning. Given
 * --env-file, wrangler expands `$NAME` in values, .dev.vars' included; ours are escaped.
 * → { args: wrangler dev's arguments, remove: deletes the file }
 */
export function paymentOverrides(stateDir, env = process.env) {
  const file = path.join(stateDir, "payments.env");
  const remove = () => rmSync(file, { force: true });
  remove();
  const settings = Object.entries(paymentBindings(env));
  if (settings.length === 0) return { args: [], remove };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, settings.map(([name, value]) => `${name}=${envFileValue(name, value)}\n`).join(""), { mode: 0o600 });
  return { args: ["--env-file", DEV_VARS, "--env-file", file], remove };
}

/** Single quotes keep the value as written; `\$` keeps wrangler from expanding it. */
function envFileValue(name, value) {
  if (/['\r\n]/.test(value)) throw new Error(`${name} cannot be passed on: it contains a quote or a line break`);
  return `'${value.replaceAll("$", "\\$")}'`;
}
