import { batch, computed, signal } from "@preact/signals";
import type { MeResponse, Tenant, TenantMembership, TokenResponse, User } from "../api/types";
import { readItem, writeItem } from "./storage";

// The access token is kept per tab (sessionStorage) so a reload keeps the session; the refresh
// token is an httpOnly cookie the page never sees. A flag in localStorage tells a new tab that a
// refresh is worth trying, so a signed-out visitor never triggers a failing request.
export const TOKEN_STORAGE_KEY = "aggregator.access_token";
const EXPIRY_STORAGE_KEY = "aggregator.access_token_expires_at";
const USER_STORAGE_KEY = "aggregator.user";
export const SESSION_HINT_KEY = "aggregator.session";

/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;

function readUser(): User | null {
  const raw = readItem("session", USER_STORAGE_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as User;
  } catch {
    return null;
  }
}

const savedToken = readItem("session", TOKEN_STORAGE_KEY);

export const accessToken = signal<string | null>(savedToken);
/** Epoch ms; null when unknown (then only a 401 triggers a refresh). */
export const tokenExpiresAt = signal<number | null>(savedToken ? Number(readItem("session", EXPIRY_STORAGE_KEY)) || null : null);
export const currentUser = signal<User | null>(savedToken ? readUser() : null);
export const currentTenant = signal<Tenant | null>(null);
export const memberships = signal<readonly TenantMembership[]>([]);
/** True while a new tab trades the refresh cookie for a token at start-up. */
export const restoringSession = signal(false);
export const isSignedIn = computed(() => accessToken.value !== null);

type Listener = (event: "signin" | "signout") => void;
const listeners = new Set<Listener>();

/** Called on every sign-in and sign-out (cross-tab sync, cache clearing). */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function persist(token: string | null, expiresAt: number | null, user: User | null): void {
  writeItem("session", TOKEN_STORAGE_KEY, token);
  writeItem("session", EXPIRY_STORAGE_KEY, expiresAt === null ? null : String(expiresAt));
  writeItem("session", USER_STORAGE_KEY, user ? JSON.stringify(user) : null);
  writeItem("local", SESSION_HINT_KEY, token ? "1" : null);
}

/** Adopts a token answer (login, register, refresh, switch, invitation). */
export function signIn(session: Pick<TokenResponse, "access_token" | "expires_in" | "user">, now = Date.now()): void {
  adoptSession(session.access_token, now + session.expires_in * 1000, session.user);
  for (const listener of listeners) listener("signin");
}

/** Takes a session over without notifying listeners (a token another tab already announced). */
export function adoptSession(token: string, expiresAt: number, user: User): void {
  persist(token, expiresAt, user);
  batch(() => {
    accessToken.value = token;
    tokenExpiresAt.value = expiresAt;
    if (currentUser.value?.tenant_id !== user.tenant_id) currentTenant.value = null;
    currentUser.value = user;
  });
}

export function setMe(me: MeResponse): void {
  writeItem("session", USER_STORAGE_KEY, JSON.stringify(me.user));
  batch(() => {
    currentUser.value = me.user;
    currentTenant.value = me.tenant;
    memberships.value = me.tenants;
  });
}

export function signOut(notify = true): void {
  const wasSignedIn = accessToken.value !== null;
  persist(null, null, null);
  batch(() => {
    accessToken.value = null;
    tokenExpiresAt.value = null;
    currentUser.value = null;
    currentTenant.value = null;
    memberships.value = [];
  });
  if (notify && wasSignedIn) for (const listener of listeners) listener("signout");
}

export const expiresSoon = (now = Date.now()): boolean => {
  const expiresAt = tokenExpiresAt.value;
  return expiresAt !== null && expiresAt - now < REFRESH_MARGIN_MS;
};

export const hasSessionHint = (): boolean => readItem("local", SESSION_HINT_KEY) === "1";
