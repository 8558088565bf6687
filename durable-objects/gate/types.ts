// The TenantGate's RPC shapes, shared with the gateway that calls it.

export interface AdmitRequest {
  requestId: string;
  keyId: string;
  /** Estimated prompt tokens + the most the call may write: what the TPM window is charged up front. */
  tokens: number;
  /** The most the call can cost (micro-dollars): reserved from the balance until settled. */
  maxCostMicros: number;
  /** Asks for an admission lease (call-leases.ts) big enough for this call and more like it; the call is then admitted from it. */
  lease?: LeaseWanted;
  /** The end user the call names: their limits apply (scopes.ts). */
  endUser?: string | null;
  /** The models (`provider/model`) the call may be served by: caps on any of them apply. */
  targets?: string[];
  /**
   * How long the reservation holds before the alarm releases it unsettled (default 15 minutes, at
   * most MAX_HOLD_MS): a batch's, until the provider's completion window has ended.
   */
  holdMs?: number;
}

/** Request ids of batches (gateway/batches/): their reservations hold for hours and are not calls running now. */
export const BATCH_REQUEST_PREFIX = "batch:";
export const MAX_HOLD_MS = 48 * 3600_000;

/** What an isolate asks for: room for `requests` calls like the one at hand. */
export interface LeaseWanted {
  id: string;
  requests: number;
}

/**
 * Room the gate has counted and reserved for an isolate to admit calls in without asking: so many
 * requests, tokens, credit and concurrent calls (null: no limit applies). Usable for `useForMs`.
 */
export interface LeaseGrant {
  id: string;
  requests: number;
  tokens: number | null;
  creditMicros: number | null;
  slots: number | null;
  useForMs: number;
  /** Calls the lease may not admit, whose limits only the gate can check: naming an end user (when any has limits), or to a capped model. */
  exactFor: ExactFor;
}

export interface ExactFor {
  endUsers: boolean;
  /** Cap patterns: `provider/model` or `provider/*`. */
  models: string[];
}

/** A lease handed back: what was not used of it, and how many of its calls are still running. */
export interface LeaseReturn {
  id: string;
  unusedRequests: number;
  unusedTokens: number;
  unusedCreditMicros: number;
  open: number;
}

export interface RateLimitInfo {
  limitRequests: number | null;
  remainingRequests: number | null;
  resetRequestsMs: number;
  limitTokens: number | null;
  remainingTokens: number | null;
  resetTokensMs: number;
}

export type AdmitResult =
  /** `scoped`: admitted exactly because per-user or per-model limits apply, not for want of room to share. */
  | { ok: true; limits: RateLimitInfo; lease?: LeaseGrant; scoped?: true }
  /** A shard's answer for a call with per-key, per-user or per-model budgets: those are decided by the bank (shard 0). */
  | { ok: false; status: 307; code: "ask_the_bank"; message: string }
  | { ok: false; status: 401; code: "invalid_api_key"; message: string }
  | { ok: false; status: 402; code: "insufficient_quota" | "budget_exceeded"; message: string }
  | { ok: false; status: 429; code: "rate_limit_exceeded" | "concurrency_limit_exceeded"; message: string; retryAfterMs: number; limits: RateLimitInfo };

export interface SettleRequest {
  requestId: string;
  keyId: string;
  costMicros: number;
  /** Actual tokens used: replaces the up-front estimate in the TPM window. */
  tokens: number;
  /** The end user the call named, and the model that served it (`provider/model`): their spend is counted for budgets. */
  endUser?: string | null;
  model?: string | null;
  /** A call admitted from a lease: what it took from it, and whether the lease had been handed back before the call ended. */
  lease?: { id: string; reservedMicros: number; estimatedTokens: number; afterReturn: boolean };
}

/** An isolate's books since its last batch: settlements and leases handed back, applied in one go. */
export interface BooksBatch {
  settlements: SettleRequest[];
  returns: LeaseReturn[];
}

/** What each settlement of a batch charged (0 for a repeat), by request id. */
export type BooksResult = Record<string, number>;

export interface CreditRequest {
  /** Makes the credit happen once: a payment event id, an operator adjustment id… */
  idempotencyKey: string;
  kind: "topup" | "refund" | "dispute" | "adjustment" | "promo";
  amountMicros: number;
  reason?: string;
  actorId?: string;
}

export interface GateBalance {
  balanceMicros: number;
  reservedMicros: number;
  openReservations: number;
  monthSpendMicros: number;
  unflushedEntries: number;
  billingEnabled: boolean;
  /** Admission leases granted since the gate began. */
  leasesGranted: number;
}

export interface Reconciliation {
  balanceMicros: number;
  /** The sum of the tenant's D1 ledger after every journal row was flushed. */
  ledgerMicros: number;
  /** balance − ledger: zero when the gate and the ledger agree. */
  driftMicros: number;
  unflushedEntries: number;
}
