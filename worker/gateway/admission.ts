// Before the upstream call: the most it can cost and the tokens it can use, admitted (or not)
// from this isolate's lease for the key (leases.ts) or else by the tenant's gate, in one round trip.
import type { Context } from "hono";
import { shardFor } from "../../durable-objects/gate/shards.ts";
import type { AppEnv } from "../env.ts";
import type { LeaseGrant, RateLimitInfo } from "../../durable-objects/gate/types.ts";
import { log } from "../core/logger.ts";
import { book, deliverReturnsNow } from "./books.ts";
import { admit, gateFor, rateLimitHeaders } from "./gate.ts";
import { AppError } from "../core/errors.ts";
import {
  ask,
  askingSettled,
  type CallNeed,
  handBackLeases,
  HeldLease,
  install,
  leaseKey,
  leaseRequestState,
  leaseRequests,
  newestLease,
  retireIfSpent,
  takeFromLeases,
} from "./leases.ts";
import type { CallPlan } from "./plan.ts";
import { maxOutputTokens } from "./providers/model-limits.ts";
import { costMicros } from "./cost.ts";
import { cacheWritesIn } from "./providers/anthropic/prompt-cache.ts";
import { estimatedUsage, type MeteredUnits } from "./types.ts";

export interface CallSize {
  /** Our estimate of the prompt's tokens: what the tokens-per-minute window is charged up front. */
  promptTokens: number;
  /** A bound the prompt cannot exceed (prompt-bound.ts): what credit is reserved for. */
  promptBound: number;
  /** The output limit the caller set; absent: the model's largest. 0 for calls that write nothing. */
  maxOutput: number | null | undefined;
  /** The most a call billed per unit can use (images asked for, seconds of audio…); it may be billed by tokens instead. */
  units?: MeteredUnits;
}

/**
 * Returns the x-ratelimit-* headers for the answer; throws the 401/402/429 when refused. `body`
 * is the request as read: a prompt marked for Anthropic's cache may all be written to it, at up
 * to 2× the input price, so that is what is reserved for it.
 */
export function admitCall(c: Context<AppEnv>, plan: CallPlan, size: CallSize, body: object): Promise<Record<string, string>> {
  const writes = plan.targets.some((t) => t.target.kind === "anthropic") ? cacheWritesIn(body, plan.promptCache) : "none";
  let tokens = 0;
  let maxCostMicros = 0;
  for (const t of plan.targets) {
    const output = size.maxOutput ?? maxOutputTokens(t.target.model);
    tokens = Math.max(tokens, size.promptTokens + output);
    const plain = estimatedUsage(size.promptBound, output);
    const written =
      t.target.kind === "anthropic" && writes !== "none"
        ? { ...plain, [writes === "1h" ? "cacheWrite1hTokens" : "cacheWrite5mTokens"]: size.promptBound }
        : plain;
    maxCostMicros = Math.max(maxCostMicros, costMicros(plain, t.price), costMicros(written, t.price));
    if (size.units) maxCostMicros = Math.max(maxCostMicros, costMicros({ ...plain, units: size.units }, t.price));
  }
  return reserve(c, plan, tokens, maxCostMicros);
}

/** A free call (count_tokens): it counts toward the requests per minute, reserving no tokens and no credit. */
export function admitFreeCall(c: Context<AppEnv>, plan: CallPlan): Promise<Record<string, string>> {
  return reserve(c, plan, 0, 0);
}

/** The longest a call waits for the lease on its way before asking the gate itself. */
const MAX_LEASE_WAIT_MS = 250;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function reserve(c: Context<AppEnv>, plan: CallPlan, tokens: number, maxCostMicros: number): Promise<Record<string, string>> {
  const shard = shardFor(c.var.requestId, plan.gateShards);
  c.set("gateShard", shard);
  c.set("reservedMicros", maxCostMicros);
  const need: CallNeed = { tokens, maxCostMicros, endUser: c.var.endUser ?? null, targets: plan.targets.map((t) => t.name) };
  try {
    return await admitFromLeaseOrGate(c, plan, shard, need);
  } catch (error) {
    if (!(await handedBackAfterRefusal(c, error))) throw error;
    return admitExactly(c, shard, need);
  }
}

/**
 * A refusal for credit or limits may come from room this isolate's own leases hold (credit a
 * bigger call needs, requests the window counts): they are handed back, and the call asks once more.
 */
async function handedBackAfterRefusal(c: Context<AppEnv>, error: unknown): Promise<boolean> {
  if (!(error instanceof AppError) || (error.status !== 402 && error.status !== 429)) return false;
  const key = c.var.apiKey;
  // A lease on its way would take the room handed back into a lease no call may be left to use:
  // it is let land first, and handed back with the rest.
  await askingSettled(leaseKey(key.tenantId, key.id), MAX_LEASE_WAIT_MS);
  const handedBack = await handBackLeases(c.env, key.tenantId);
  // Leases already spent and booked for return still count at the gate until delivered.
  return (await deliverReturnsNow(c.env, key.tenantId, MAX_LEASE_WAIT_MS)) || handedBack;
}

async function admitFromLeaseOrGate(c: Context<AppEnv>, plan: CallPlan, shard: number, need: CallNeed): Promise<Record<string, string>> {
  const key = c.var.apiKey;
  const { tokens, maxCostMicros } = need;
  const wanted = plan.gateShards <= 1 ? leaseRequests(c.env.ADMISSION_LEASE_REQUESTS) : 0;
  const held = leaseKey(key.tenantId, key.id);
  // The lease, or the next one on its way: leases shrink with the room left, so a call waits for
  // a bounded number of them until the gate says there is no room to share and admits it exactly.
  if (newestLease(held)?.leavesToGate(need)) return admitExactly(c, shard, need);
  const waitUntil = Date.now() + MAX_LEASE_WAIT_MS;
  for (let now = Date.now(); wanted > 0 && now < waitUntil; now = Date.now()) {
    const { lease, spent } = takeFromLeases(held, need, now);
    if (spent.length) book(c.executionCtx, c.env, { tenantId: key.tenantId, returns: spent });
    if (lease) {
      c.set("leased", { lease, reservedMicros: maxCostMicros, estimatedTokens: tokens });
      if (newestLease(held)?.wantsRenewal(now) ?? true) renewInBackground(c, held, need, wanted);
      return rateLimitHeaders(lease.limitsNow(now));
    }
    const asked = leaseRequestState(held, now);
    if (asked === "refused") return admitExactly(c, shard, need);
    if (asked === "none") break;
    await tick();
  }
  const answer =
    wanted > 0
      ? ask(
          held,
          () => admitAsking(c, shard, need, wanted),
          // Admitted one by one for its end user's or models' limits: not a refusal to share.
          (a) => a.lease !== undefined || a.scoped === true,
        )
      : undefined;
  if (!answer) return admitExactly(c, shard, need);
  const result = await answer;
  const leased = result.lease ? startUsing(c, held, result.lease, result.limits, need) : null;
  return rateLimitHeaders(leased ? leased.limitsNow(Date.now()) : result.limits);
}

async function admitExactly(c: Context<AppEnv>, shard: number, need: CallNeed): Promise<Record<string, string>> {
  return rateLimitHeaders((await admitAsking(c, shard, need, 0)).limits);
}

/**
 * The gate admits the call, exactly or (wanted > 0) with a lease it is taken from. A shard sends
 * a call under scoped limits to the bank, which then settles it too.
 */
async function admitAsking(c: Context<AppEnv>, shard: number, need: CallNeed, wanted: number) {
  const key = c.var.apiKey;
  const lease = wanted > 0 ? { lease: { id: crypto.randomUUID(), requests: wanted } } : {};
  const req = { requestId: c.var.requestId, keyId: key.id, ...need, ...lease };
  const result = await admit(c.env, key.tenantId, req, shard);
  if (!("askTheBank" in result)) return result;
  c.set("gateShard", 0);
  const atBank = await admit(c.env, key.tenantId, req, 0);
  if ("askTheBank" in atBank) throw new Error("the bank gate sent a call to itself");
  return atBank;
}

/** Installs a granted lease and admits this call from it (the gate sized it to fit). */
function startUsing(c: Context<AppEnv>, held: string, grant: LeaseGrant, limits: RateLimitInfo, need: CallNeed): HeldLease | null {
  const lease = new HeldLease(held, grant, limits, Date.now());
  installAndWatch(c, lease);
  if (!lease.take(need, Date.now())) return null;
  c.set("leased", { lease, reservedMicros: need.maxCostMicros, estimatedTokens: need.tokens });
  return lease;
}

/** Installs a lease and hands it back once out of time, even if no call comes to notice. */
function installAndWatch(c: Context<AppEnv>, lease: HeldLease): void {
  install(lease);
  c.executionCtx.waitUntil(new Promise((resolve) => setTimeout(resolve, lease.msLeft(Date.now()) + 1)).then(() => retire(c, lease, Date.now())));
}

function retire(c: Context<AppEnv>, lease: HeldLease, now: number): void {
  const returned = retireIfSpent(lease, now);
  if (returned) book(c.executionCtx, c.env, { tenantId: c.var.apiKey.tenantId, returns: [returned] });
}

/** Asks for the next lease beside the call, so the calls after this one need no round trip either. */
function renewInBackground(c: Context<AppEnv>, held: string, need: CallNeed, wanted: number): void {
  const key = c.var.apiKey;
  const request = () =>
    gateFor(c.env, key.tenantId)
      .topUp(key.tenantId, { requestId: c.var.requestId, keyId: key.id, ...need, lease: { id: crypto.randomUUID(), requests: wanted } })
      .then((offer) => {
        if (offer) installAndWatch(c, new HeldLease(held, offer.lease, offer.limits, Date.now()));
        return offer;
      });
  const renewal = ask(held, request, (offer) => offer !== null);
  c.executionCtx.waitUntil(
    (renewal ?? Promise.resolve()).catch((error: unknown) => log("warn", "lease renewal failed", { tenantId: key.tenantId, error: String(error) })),
  );
}
