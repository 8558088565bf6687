// Silent refresh: trade the httpOnly refresh cookie for a new access token. The refresh token
// rotates on every use and reusing a spent one signs every session out, so refreshes are
// serialized: one in flight per tab, and one at a time across tabs (Web Locks).
import { accessToken, expiresSoon, signIn, signOut } from "../stores/auth";
import { isNumber, isObject, isString } from "./guards";
import type { TokenResponse } from "./types";

const LOCK_NAME = "aggregator-refresh";
let inflight: Promise<boolean> | undefined;

function isTokenResponse(value: unknown): value is TokenResponse {
  return (
    isObject(value) &&
    isString(value.access_token) &&
    value.access_token !== "" &&
    isNumber(value.expires_in) &&
    isObject(value.user) &&
    isString(value.user.id)
  );
}

async function exclusive<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && "locks" in navigator && navigator.locks) {
    return await navigator.locks.request(LOCK_NAME, task);
  }
  return await task();
}

async function refresh(tokenBefore: string | null): Promise<boolean> {
  // Another tab may have refreshed (and shared its token) while this one waited for the lock.
  if (accessToken.value !== null && accessToken.value !== tokenBefore && !expiresSoon()) return true;
  let response: Response;
  try {
    response = await fetch("/api/auth/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  } catch {
    return false; // offline: keep the session, a later call retries
  }
  const data: unknown = response.ok ? await response.json().catch(() => null) : null;
  if (!isTokenResponse(data)) {
    if (response.status === 401 || response.ok) signOut();
    return false;
  }
  signIn(data);
  return true;
}

/** Resolves true when a fresh access token is in the store; false when the session has ended. */
export function refreshSession(): Promise<boolean> {
  const tokenBefore = accessToken.value;
  inflight ??= exclusive(() => refresh(tokenBefore)).finally(() => {
    inflight = undefined;
  });
  return inflight;
}
