// The first-start seed: an owner, a tenant, an API key, the demo provider with prices, and a
// promotional credit. Every statement is idempotent, so running it again changes nothing.
// Built with drizzle and rendered to SQL by `scripts/start.mjs` (wrangler d1 execute), or run
// directly against a D1 binding by tests: one definition for both. It writes the demo provider's
// catalogue into D1 rows, so it sits above both (docs/architecture.md, "Layers").
import { sql } from "drizzle-orm";
import { sha256Hex } from "./core/security/hash.ts";
import { hashPassword } from "./core/security/passwords.ts";
import type { Db } from "./db/client.ts";
import { unitPriceColumn } from "./db/prices.ts";
import { apiKeys, ledgerEntries, memberships, prices, providers, tenants, users } from "./db/schema.ts";
import { DEMO_MODELS } from "./gateway/providers/demo/models.ts";

export const SEED_TENANT_ID = "ten_default";
export const DEMO_PROVIDER_ID = "prv_demo";
export const PROMO_CREDIT_MICROS = 100_000_000; // $100

export interface SeedInput {
  adminEmail: string;
  adminPassword: string;
  apiKey: string;
  /** Overwrite the owner's password when the account already exists (ADMIN_PASSWORD was set). */
  resetPassword: boolean;
}

export async function seedQueries(db: Db, input: SeedInput) {
  const email = input.adminEmail.trim().toLowerCase();
  const passwordHash = await hashPassword(input.adminPassword);
  const keyHash = await sha256Hex(input.apiKey);
  const now = Date.now();

  const insertUser = db.insert(users).values({ id: `usr_${(await sha256Hex(email)).slice(0, 16)}`, email, name: "Owner", passwordHash, isOperator: true });

  return [
    db.insert(tenants).values({ id: SEED_TENANT_ID, name: "Default" }).onConflictDoNothing(),
    input.resetPassword ? insertUser.onConflictDoUpdate({ target: users.email, set: { passwordHash } }) : insertUser.onConflictDoNothing(),
    db
      .insert(memberships)
      .select(
        db
          .select({
            tenantId: sql<string>`${SEED_TENANT_ID}`.as("tenant_id"),
            userId: users.id,
            role: sql<"owner">`'owner'`.as("role"),
            createdAt: sql<number>`${now}`.as("created_at"),
          })
          .from(users)
          .where(sql`${users.email} = ${email}`),
      )
      .onConflictDoNothing(),
    db
      .insert(apiKeys)
      .values({
        id: `key_${keyHash.slice(0, 16)}`,
        tenantId: SEED_TENANT_ID,
        name: "Default key",
        keyHash,
        prefix: input.apiKey.slice(0, 12),
      })
      .onConflictDoNothing(),
    db
      .insert(providers)
      .values({ id: DEMO_PROVIDER_ID, name: "demo", kind: "demo", models: DEMO_MODELS.map((m) => m.id) })
      .onConflictDoNothing(),
    db
      .insert(prices)
      .values(
        DEMO_MODELS.map((m) => ({
          id: `prc_demo_${m.id}`,
          model: `demo/${m.id}`,
          inputPerMTokMicros: m.inputPerMTokMicros,
          outputPerMTokMicros: m.outputPerMTokMicros,
          ...(m.unit && unitPriceColumn(m.unit.kind, m.unit.micros)),
          source: "built-in demo prices",
          effectiveAt: 0,
        })),
      )
      .onConflictDoNothing(),
    db
      .insert(ledgerEntries)
      .values({
        id: "led_seed_promo",
        tenantId: SEED_TENANT_ID,
        kind: "promo",
        amountMicros: PROMO_CREDIT_MICROS,
        idempotencyKey: "seed:promo",
        reason: "Welcome credit",
      })
      .onConflictDoNothing(),
  ] as const;
}
