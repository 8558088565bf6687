// TenantGate's own SQLite: the durable state every decision is made from.
export const GATE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // The sliding-window log: one row per admitted request of the last minute.
  `CREATE TABLE IF NOT EXISTS admissions (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, at INTEGER NOT NULL, tokens INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS admissions_at ON admissions (at)`,
  `CREATE INDEX IF NOT EXISTS admissions_key ON admissions (key_id, at)`,
  // Credit held for calls in flight; released by settlement or, if that never comes, by the alarm.
  `CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, amount INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS reservations_expiry ON reservations (expires_at)`,
  // Settled request ids, so a repeated settlement charges once.
  `CREATE TABLE IF NOT EXISTS settled (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`,
  // Every balance change. Usage is one row per key and minute; rows reach the D1 ledger once,
  // usage rows only after their minute has closed, so a ledger row never changes.
  // `epoch` is bumped by reconciliation, which seals the open minute's rows so they can be flushed early.
  `CREATE TABLE IF NOT EXISTS journal (id TEXT PRIMARY KEY, kind TEXT NOT NULL, amount INTEGER NOT NULL, minute INTEGER NOT NULL, epoch INTEGER NOT NULL DEFAULT 0, reason TEXT, actor_id TEXT, created_at INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS journal_unflushed ON journal (flushed, minute)`,
  // Limits from D1, cached until the control plane says they changed.
  `CREATE TABLE IF NOT EXISTS keys (key_id TEXT PRIMARY KEY, revoked INTEGER NOT NULL, expires_at INTEGER, rpm INTEGER, tpm INTEGER, loaded_at INTEGER NOT NULL)`,
];

export interface TenantConfig {
  billingEnabled: boolean;
  shards: number;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  monthlyBudgetMicros: number | null;
  loadedAt: number;
}

export interface KeyConfig {
  revoked: boolean;
  expiresAt: number | null;
  rpm: number | null;
  tpm: number | null;
}

export const WINDOW_MS = 60_000;
export const MINUTE_MS = 60_000;
