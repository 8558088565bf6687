// Limits narrower than the tenant's and the key's own windows: a key's spend budget, an end
// user's requests, tokens and budget, and caps per model or provider (for the whole tenant or
// one key). Like every limit they are decided here, synchronously against the gate's SQLite, so
// concurrent calls cannot pass them together.
//
// A key's budget is also kept by admission leases (call-leases.ts sizes a lease's credit inside
// it); calls under an end user's or a model's limits are always admitted here, one by one. Spend
// is kept per scope and day in the tenant's time zone, so a budget of any period sums its days.
import { DAY_MS, dayStart, periodStart } from "../../worker/core/periods.ts";
import type { BudgetPeriod, ScopeLimits } from "../../worker/db/schema.ts";
import type { GateState } from "./state.ts";
import { type Budget, holdMsOf, type KeyConfig, type ModelCap, type TenantConfig, WINDOW_MS } from "./storage.ts";
import type { AdmitRequest, ExactFor } from "./types.ts";

export interface ScopeRule {
  scope: string;
  /** How the refusal names it: "the API key", "end user 'ann'", "the cap on 'anthropic/*'". */
  what: string;
  rpm: number | null;
  tpm: number | null;
  budget: Budget | null;
}

export const keyScope = (keyId: string) => `key:${keyId}`;
export const userScope = (name: string) => `user:${name}`;
const keyCapScope = (keyId: string, pattern: string) => `cap:key:${keyId}:${pattern}`;
const tenantCapScope = (pattern: string) => `cap:tenant:${pattern}`;

/** A cap's pattern: a model `provider/model`, or every model of a provider `provider/*`. */
export function capMatches(pattern: string, model: string): boolean {
  return pattern === model || (pattern.endsWith("/*") && model.startsWith(pattern.slice(0, -1)));
}

const budgetOf = (limits: ScopeLimits): Budget | null =>
  limits.budgetMicros === null ? null : { micros: limits.budgetMicros, period: limits.budgetPeriod, mode: "hard" };

/** The scoped limits a call falls under. */
export function rulesFor(
  config: TenantConfig,
  keyId: string,
  key: KeyConfig,
  user: ScopeLimits | null,
  req: Pick<AdmitRequest, "endUser" | "targets">,
): ScopeRule[] {
  const rules: ScopeRule[] = [];
  if (key.budget) rules.push({ scope: keyScope(keyId), what: "the API key", rpm: null, tpm: null, budget: key.budget });
  if (req.endUser && user) {
    rules.push({ scope: userScope(req.endUser), what: `end user '${req.endUser}'`, rpm: user.rpm, tpm: user.tpm, budget: budgetOf(user) });
  }
  const targets = req.targets ?? [];
  const capRule = (cap: ModelCap, scope: string, whose: string): ScopeRule => ({
    scope,
    what: `the ${whose} cap on '${cap.model}'`,
    rpm: cap.rpm,
    tpm: cap.tpm,
    budget: budgetOf(cap),
  });
  for (const cap of key.modelLimits) {
    if (targets.some((t) => capMatches(cap.model, t))) rules.push(capRule(cap, keyCapScope(keyId, cap.model), "key's"));
  }
  for (const cap of config.modelLimits) {
    if (targets.some((t) => capMatches(cap.model, t))) rules.push(capRule(cap, tenantCapScope(cap.model), "tenant's"));
  }
  return rules;
}

/** Whether the call is under a limit only the gate can check call by call (an end user's, a model cap). */
export const admittedOneByOne = (rules: ScopeRule[]) => rules.some((r) => !r.scope.startsWith("key:"));

/** What an admission lease for the key must leave to the gate. */
export function exactFor(config: TenantConfig, key: KeyConfig): ExactFor {
  return { endUsers: config.endUsersLimited, models: [...key.modelLimits, ...config.modelLimits].map((cap) => cap.model) };
}

/** What a budget's scope has spent in its current period, for the dashboard. */
export interface SpendQuery {
  scope: string;
  period: BudgetPeriod;
}

/** Spend in the scope's current period. */
export function spentIn(state: GateState, scope: string, budget: Pick<Budget, "period">, timeZone: string, now: number): number {
  const from = periodStart(now, budget.period, timeZone);
  return state.sql.exec<{ s: number }>("SELECT coalesce(sum(amount), 0) AS s FROM spend WHERE scope = ? AND day >= ?", scope, from).one().s;
}

/** Credit held in the scope by calls in flight (and, for a key, by its admission leases). */
export function heldIn(state: GateState, scope: string): number {
  if (scope.startsWith("key:")) {
    const keyId = scope.slice(4);
    return state.sql
      .exec<{ s: number }>(
        "SELECT (SELECT coalesce(sum(amount), 0) FROM reservations WHERE key_id = ?1) + (SELECT coalesce(sum(credit), 0) FROM admission_leases WHERE key_id = ?1) AS s",
        keyId,
      )
      .one().s;
  }
  return state.sql.exec<{ s: number }>("SELECT coalesce(sum(amount), 0) AS s FROM scoped_holds WHERE scope = ?", scope).one().s;
}

/** What is left of a hard budget; null when the rule has none (a soft budget only alerts). */
export function budgetRoom(state: GateState, rule: ScopeRule, timeZone: string, now: number): number | null {
  if (rule.budget?.mode !== "hard") return null;
  return rule.budget.micros - spentIn(state, rule.scope, rule.budget, timeZone, now) - heldIn(state, rule.scope);
}

function windowOf(state: GateState, scope: string, now: number): { requests: number; tokens: number; oldest: number | null } {
  const row = state.sql
    .exec<{ n: number; t: number; o: number | null }>(
      "SELECT count(*) AS n, coalesce(sum(tokens), 0) AS t, min(at) AS o FROM scoped_admissions WHERE scope = ? AND at > ?",
      scope,
      now - WINDOW_MS,
    )
    .one();
  return { requests: row.n, tokens: row.t, oldest: row.o };
}

/** A scoped refusal; a 429 gets the tenant's and key's limits added by the caller. */
export type ScopedRefusal =
  | { ok: false; status: 402; code: "budget_exceeded"; message: string }
  | { ok: false; status: 429; code: "rate_limit_exceeded"; message: string; retryAfterMs: number };

/** Why the call may not pass one of its scoped limits, or null when it may. */
export function refusalFor(state: GateState, rules: ScopeRule[], req: AdmitRequest, timeZone: string, now: number): ScopedRefusal | null {
  for (const rule of rules) {
    if (rule.rpm !== null || rule.tpm !== null) {
      const w = windowOf(state, rule.scope, now);
      const what = rule.rpm !== null && w.requests >= rule.rpm ? "requests" : rule.tpm !== null && w.tokens + req.tokens > rule.tpm ? "tokens" : null;
      if (what) {
        const retryAfterMs = Math.max(1, (w.oldest ?? now) + WINDOW_MS - now);
        return { ok: false, status: 429, code: "rate_limit_exceeded", message: `Rate limit reached for ${what} per minute for ${rule.what}.`, retryAfterMs };
      }
    }
    const room = budgetRoom(state, rule, timeZone, now);
    if (room !== null && room < req.maxCostMicros) {
      return { ok: false, status: 402, code: "budget_exceeded", message: `This request would exceed the ${rule.budget!.period} budget of ${rule.what}.` };
    }
  }
  return null;
}

/** Counts an admitted call in its scopes' windows and holds its most cost in those with a budget (a key's is its reservation). */
export function holdScopes(state: GateState, rules: ScopeRule[], req: AdmitRequest, now: number): void {
  for (const rule of rules) {
    if (rule.scope.startsWith("key:")) continue;
    if (rule.rpm !== null || rule.tpm !== null) {
      state.sql.exec("INSERT OR REPLACE INTO scoped_admissions (id, scope, at, tokens) VALUES (?, ?, ?, ?)", req.requestId, rule.scope, now, req.tokens);
    }
    if (rule.budget) {
      state.sql.exec(
        "INSERT OR REPLACE INTO scoped_holds (id, scope, amount, expires_at) VALUES (?, ?, ?, ?)",
        req.requestId,
        rule.scope,
        req.maxCostMicros,
        now + holdMsOf(req),
      );
    }
  }
}

/** The scopes a settled call's cost counts in: its key, its end user, and every cap its model falls under. */
export function spendScopes(keyId: string, endUser: string | null | undefined, model: string | null | undefined): string[] {
  const scopes = [keyScope(keyId)];
  if (endUser) scopes.push(userScope(endUser));
  if (model) {
    const slash = model.indexOf("/");
    const provider = slash > 0 ? `${model.slice(0, slash)}/*` : null;
    for (const pattern of provider ? [model, provider] : [model]) scopes.push(keyCapScope(keyId, pattern), tenantCapScope(pattern));
  }
  return scopes;
}

/** A settled call leaves its scopes' holds and puts its real tokens in their windows. */
export function releaseScopes(state: GateState, requestId: string, tokens: number): void {
  state.sql.exec("DELETE FROM scoped_holds WHERE id = ?", requestId);
  state.sql.exec("UPDATE scoped_admissions SET tokens = ? WHERE id = ?", tokens, requestId);
}

/** Adds a batch's spend per scope to the day it was settled on. */
export function addSpend(state: GateState, spend: Map<string, number>, timeZone: string, now: number): void {
  const day = dayStart(now, timeZone);
  for (const [scope, amount] of spend) {
    state.sql.exec(
      "INSERT INTO spend (scope, day, amount) VALUES (?, ?, ?) ON CONFLICT(scope, day) DO UPDATE SET amount = amount + excluded.amount",
      scope,
      day,
      amount,
    );
  }
}

/** Days kept one by one; older ones are folded into day 0, which only `total` budgets read. */
const SPEND_DAYS_KEPT = 40;

/** The alarm's sweep: expired holds, admissions out of the window, old days folded into the total. */
export function sweepScopes(state: GateState, now: number): void {
  state.sql.exec("DELETE FROM scoped_holds WHERE expires_at <= ?", now);
  state.sql.exec("DELETE FROM scoped_admissions WHERE at <= ?", now - WINDOW_MS);
  const before = now - SPEND_DAYS_KEPT * DAY_MS;
  state.transaction(() => {
    state.sql.exec(
      "INSERT INTO spend (scope, day, amount) SELECT scope, 0, sum(amount) FROM spend WHERE day > 0 AND day < ? GROUP BY scope ON CONFLICT(scope, day) DO UPDATE SET amount = amount + excluded.amount",
      before,
    );
    state.sql.exec("DELETE FROM spend WHERE day > 0 AND day < ?", before);
  });
}

/** When the alarm must next release a hold. */
export function nextHoldExpiry(state: GateState): number | null {
  return state.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM scoped_holds").one().at;
}
