// The TenantGate's RPC shapes, shared with the gateway that calls it.

export interface AdmitRequest {
  requestId: string;
  keyId: string;
  /** Estimated prompt tokens + the most the call may write: what the TPM window is charged up front. */
  tokens: number;
  /** The most the call can cost (micro-dollars): reserved from the balance until settled. */
  maxCostMicros: number;
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
  | { ok: true; limits: RateLimitInfo }
  | { ok: false; status: 401; code: "invalid_api_key"; message: string }
  | { ok: false; status: 402; code: "insufficient_quota" | "budget_exceeded"; message: string }
  | { ok: false; status: 429; code: "rate_limit_exceeded" | "concurrency_limit_exceeded"; message: string; retryAfterMs: number; limits: RateLimitInfo };

export interface SettleRequest {
  requestId: string;
  keyId: string;
  costMicros: number;
  /** Actual tokens used: replaces the up-front estimate in the TPM window. */
  tokens: number;
}

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
}

export interface Reconciliation {
  balanceMicros: number;
  /** The sum of the tenant's D1 ledger after every journal row was flushed. */
  ledgerMicros: number;
  /** balance − ledger: zero when the gate and the ledger agree. */
  driftMicros: number;
  unflushedEntries: number;
}
