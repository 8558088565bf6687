// TenantGate's own SQLite: the durable state every decision is made from.
import { type AdmitRequest, MAX_HOLD_MS } from "./types.ts";
import type { BudgetMode, BudgetPeriod, ScopeLimits } from "../../worker/db/schema.ts";

export const GATE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // The sliding-window log: one row per admitted request of the last minute.
  `CREATE TABLE IF NOT EXISTS admissions (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, at INTEGER NOT NULL, tokens INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS admissions_at ON admissions (at)`,
  `CREATE INDEX IF NOT EXISTS admissions_key ON admissions (key_id, at)`,
  // Credit held for calls in flight; released by settlement or, if that never comes, by the alarm.
  `CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, amount INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS reservations_expiry ON reservations (expires_at)`,
  // Admission leases (call-leases.ts): room counted in the window until use_by has left it, and
  // credit and concurrent calls held until the isolate hands them back (or the alarm, at expires_at).
  `CREATE TABLE IF NOT EXISTS admission_leases (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, use_by INTEGER NOT NULL, expires_at INTEGER NOT NULL, requests INTEGER NOT NULL, tokens INTEGER NOT NULL, credit INTEGER NOT NULL, slots INTEGER NOT NULL, freed INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS admission_leases_key ON admission_leases (key_id, use_by)`,
  // Settled request ids, so a repeated settlement charges once.
  `CREATE TABLE IF NOT EXISTS settled (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`,
  // Every balance change. Usage is one row per key and minute; rows reach the D1 ledger once,
  // usage rows only after their minute has closed, so a ledger row never changes.
  // `epoch` is bumped by reconciliation, which seals the open minute's rows so they can be flushed early.
  `CREATE TABLE IF NOT EXISTS journal (id TEXT PRIMARY KEY, kind TEXT NOT NULL, amount INTEGER NOT NULL, minute INTEGER NOT NULL, epoch INTEGER NOT NULL DEFAULT 0, reason TEXT, actor_id TEXT, created_at INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS journal_unflushed ON journal (flushed, minute)`,
  // Keys' limits from D1 (a KeyConfig as JSON), cached until the control plane says they changed.
  `DROP TABLE IF EXISTS keys`,
  `CREATE TABLE IF NOT EXISTS key_configs (key_id TEXT PRIMARY KEY, config TEXT NOT NULL, loaded_at INTEGER NOT NULL)`,
  // Scoped limits (scopes.ts): the window and the credit held per end user or model cap, for
  // calls the gate admitted exactly; and spend per scope and day in the tenant's time zone
  // (day 0: since the scope began), which budgets sum over their period.
  `CREATE TABLE IF NOT EXISTS scoped_admissions (id TEXT NOT NULL, scope TEXT NOT NULL, at INTEGER NOT NULL, tokens INTEGER NOT NULL, PRIMARY KEY (id, scope))`,
  `CREATE INDEX IF NOT EXISTS scoped_admissions_scope ON scoped_admissions (scope, at)`,
  `CREATE INDEX IF NOT EXISTS scoped_admissions_at ON scoped_admissions (at)`,
  `CREATE TABLE IF NOT EXISTS scoped_holds (id TEXT NOT NULL, scope TEXT NOT NULL, amount INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (id, scope))`,
  `CREATE INDEX IF NOT EXISTS scoped_holds_scope ON scoped_holds (scope)`,
  `CREATE INDEX IF NOT EXISTS scoped_holds_expiry ON scoped_holds (expires_at)`,
  `CREATE TABLE IF NOT EXISTS spend (scope TEXT NOT NULL, day INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (scope, day))`,
  // Batches the bank's alarm polls at their provider until they end (batch-polls.ts).
  `CREATE TABLE IF NOT EXISTS batch_polls (id TEXT PRIMARY KEY, poll_at INTEGER NOT NULL, polls INTEGER NOT NULL DEFAULT 0)`,
];

export interface TenantConfig {
  billingEnabled: boolean;
  shards: number;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  monthlyBudgetMicros: number | null;
  /** How long an admission lease may be used (ADMISSION_LEASE_MS). */
  leaseMs: number;
  /** Where daily, weekly and monthly budgets reset. */
  timeZone: string;
  /** Limits for end users with none of their own; null: none. */
  endUserDefaults: ScopeLimits | null;
  /** Whether any end user has limits (defaults or an override): calls naming one are then admitted exactly. */
  endUsersLimited: boolean;
  modelLimits: ModelCap[];
  loadedAt: number;
}

export interface Budget {
  micros: number;
  period: BudgetPeriod;
  mode: BudgetMode;
}

export interface KeyConfig {
  revoked: boolean;
  expiresAt: number | null;
  rpm: number | null;
  tpm: number | null;
  budget: Budget | null;
  modelLimits: ModelCap[];
}

/** A cap on a model (`provider/model`) or provider (`provider/*`). */
export interface ModelCap extends ScopeLimits {
  model: string;
}

export const WINDOW_MS = 60_000;

/** How long an unsettled call holds its credit before the alarm releases it. */
export const RESERVATION_TTL_MS = 15 * 60_000;

/** How long an admission's reservation holds unsettled: a batch's for longer (AdmitRequest.holdMs). */
export const holdMsOf = (req: Pick<AdmitRequest, "holdMs">): number => Math.min(Math.max(req.holdMs ?? RESERVATION_TTL_MS, RESERVATION_TTL_MS), MAX_HOLD_MS);

/** What the last minute holds: admissions and leases' room. */
export interface Window {
  requests: number;
  tokens: number;
  oldest: number | null;
}

/** Everything a decision reads, counted once. */
export interface Counted {
  tenant: Window;
  key: Window;
  open: { n: number; reserved: number };
  leasedOut: number;
}
export const MINUTE_MS = 60_000;
