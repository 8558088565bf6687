// Runs a call over its plan: retries with exponential backoff and full jitter that honours
// Retry-After, then falls back to the next target — on 429, 5xx, timeouts and connection
// errors only, never on a client's 4xx. Every attempt is recorded for x-aggregator-attempts.
import { AppError } from "../core/errors.ts";
import { newSpanId } from "../core/trace-context.ts";
import { breakers, type CircuitChange } from "./breaker.ts";
import { observeLatency } from "./latency.ts";
import { type CallPlan, DEFAULT_TIMEOUT_MS, type PlannedTarget } from "./plan.ts";
import { isRedirect, UpstreamError } from "./upstream.ts";

export interface AttemptRecord {
  target: string;
  /** The target's provider, by name. */
  provider: string;
  outcome: string;
  /** When it started (epoch ms) and how long it took. */
  startedAt: number;
  ms: number;
  /** Its span in the call's trace, sent upstream in traceparent. */
  spanId: string;
  /** This attempt opened or closed the provider's circuit: alerted on after the response. */
  circuit?: CircuitChange & { providerId: string };
}

/** The chain as logged and as sent in x-aggregator-attempts: `target=outcome` each. */
export function attemptChain(attempts: AttemptRecord[]): string[] {
  return attempts.map((a) => `${a.target}=${a.outcome}`);
}

/** x-aggregator-provider (the last target tried: on success, the one that answered) and x-aggregator-attempts. */
export function attemptHeaders(attempts: AttemptRecord[]): Record<string, string> {
  const last = attempts.at(-1);
  return last ? { "x-aggregator-provider": last.provider, "x-aggregator-attempts": attemptChain(attempts).join(", ") } : {};
}

export interface AttemptsResult<T> {
  value: T;
  target: PlannedTarget;
}

const BASE_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** Retry-After beyond this is not waited for: the next target is tried instead. */
const MAX_RETRY_AFTER_MS = 10_000;

export function backoffMs(retry: number, retryAfter: number | undefined, random = Math.random): number {
  const exp = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** retry);
  const jittered = random() * exp;
  return retryAfter === undefined ? jittered : Math.max(jittered, retryAfter);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

function outcomeOf(error: unknown): string {
  if (error instanceof UpstreamError) return error.failure === "http" ? String(error.status) : error.failure;
  return "error";
}

/** The error the client gets when every attempt failed: mapped, never the upstream's raw body. */
export function clientError(error: unknown): AppError {
  if (!(error instanceof UpstreamError)) {
    if (error instanceof AppError) return error;
    throw error; // a bug of ours: the caller logs it and answers 500, not a provider outage
  }
  const detail = error.upstreamMessage ? `: ${error.upstreamMessage}` : "";
  if (error.failure === "timeout") return new AppError("upstream", `The provider did not answer in time (${error.message}).`, { code: "upstream_timeout" });
  if (error.failure !== "http") return new AppError("upstream", `The provider call failed: ${error.message}.`, { code: "upstream_error" });
  const status = error.status ?? 502;
  if (status === 508)
    return new AppError("loop_detected", "The provider's base_url leads back to an AI gateway in a loop; point it at the provider itself.", {
      code: "loop_detected",
    });
  if (isRedirect(status)) {
    return new AppError("upstream", `The provider answered with a redirect (${status}), which the gateway does not follow; check its base_url.`, {
      code: "upstream_redirect",
    });
  }
  if (status === 429) {
    const seconds = Math.ceil((error.retryAfterMs ?? 1000) / 1000);
    return new AppError("rate_limit", `The provider is rate limiting this model${detail}`, {
      code: "upstream_rate_limited",
      headers: { "retry-after": String(seconds) },
    });
  }
  if (status === 401 || status === 403)
    return new AppError("upstream", "The provider refused the gateway's credentials for it.", { code: "upstream_auth_failed" });
  if (status === 404) return new AppError("not_found", `The provider does not know this model${detail}`, { code: "model_not_found", param: "model" });
  if (status === 413) return new AppError("payload_too_large", `The provider refused the request size${detail}`, { code: "request_too_large" });
  if (status >= 400 && status < 500) return new AppError("invalid_request", `The provider rejected the request${detail}`, { code: "upstream_invalid_request" });
  return new AppError("upstream", `The provider failed (${status})${detail}`, { code: "upstream_error" });
}

const noProviderError = () => new AppError("unavailable", "No provider is available for this model.", { code: "no_provider_available" });

/** Tells the breaker the attempt's verdict on the provider; a change of its circuit goes with the attempt. */
function judge(attempt: AttemptRecord, target: PlannedTarget, ok: boolean): void {
  const change = breakers.record(target.provider.id, ok);
  if (change) attempt.circuit = { ...change, providerId: target.provider.id };
}

/**
 * A platform provider serves every tenant: a timeout under a tenant's own shorter route timeout
 * says nothing about its health, so it cannot open the circuit for everyone.
 */
function shortenedTimeout(error: UpstreamError, target: PlannedTarget, plan: CallPlan): boolean {
  return error.failure === "timeout" && target.provider.tenantId === null && plan.timeoutMs < DEFAULT_TIMEOUT_MS;
}

/** `attempts` is filled in as the call goes, so the caller has the chain even when it fails. */
export async function runAttempts<T>(
  plan: CallPlan,
  attempt: (target: PlannedTarget, timeoutMs: number, spanId: string) => Promise<T>,
  attempts: AttemptRecord[],
  signal?: AbortSignal,
): Promise<AttemptsResult<T>> {
  const deadline = Date.now() + plan.timeoutMs * Math.max(2, plan.targets.length);
  // Built only when needed: an Error captures a stack, which every call would pay for.
  let lastError: unknown = null;
  for (const [i, target] of plan.targets.entries()) {
    const isLast = i === plan.targets.length - 1;
    for (let retry = 0; retry <= plan.retries; retry++) {
      if (!breakers.allow(target.provider.id) && !isLast) {
        attempts.push({ target: target.name, provider: target.provider.name, outcome: "circuit_open", startedAt: Date.now(), ms: 0, spanId: newSpanId() });
        break;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) throw clientError(lastError ?? noProviderError());
      const started = Date.now();
      const spanId = newSpanId();
      const record = (outcome: string): AttemptRecord => ({
        target: target.name,
        provider: target.provider.name,
        outcome,
        startedAt: started,
        ms: Date.now() - started,
        spanId,
      });
      try {
        const value = await attempt(target, Math.min(plan.timeoutMs, remaining), spanId);
        const ok = record("ok");
        judge(ok, target, true);
        observeLatency(target.name, ok.ms);
        attempts.push(ok);
        return { value, target };
      } catch (error) {
        const failed = record(outcomeOf(error));
        attempts.push(failed);
        if (!(error instanceof UpstreamError)) {
          // Our own failure (e.g. a request the provider's format cannot carry): no verdict on the provider.
          breakers.release(target.provider.id);
          throw error;
        }
        lastError = error;
        if (!error.retryable) {
          // The request is at fault, not the provider: no fallback, and the circuit stays as it is.
          judge(failed, target, true);
          throw clientError(error);
        }
        if (shortenedTimeout(error, target, plan)) breakers.release(target.provider.id);
        else judge(failed, target, false);
        const wait = backoffMs(retry, error.retryAfterMs);
        if (retry === plan.retries || wait > MAX_RETRY_AFTER_MS || Date.now() + wait >= deadline) break;
        await sleep(wait, signal);
      }
    }
  }
  throw clientError(lastError ?? noProviderError());
}
