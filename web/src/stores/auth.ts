import { batch, computed, signal } from '@preact/signals';
import type { User } from '../api/types';

// The access token lives in sessionStorage for now (survives reloads, not new tabs).
// A later issue replaces this with silent refresh from the httpOnly refresh cookie.
export const TOKEN_STORAGE_KEY = 'aggregator.access_token';

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_STORAGE_KEY) || null;
  } catch {
    return null; // storage disabled (privacy mode, sandboxed frame)
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    else sessionStorage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Storage unavailable: the session simply won't survive a reload.
  }
}

export const accessToken = signal<string | null>(readToken());
export const currentUser = signal<User | null>(null);
export const isSignedIn = computed(() => accessToken.value !== null);

export function signIn(token: string, user: User): void {
  writeToken(token);
  batch(() => {
    accessToken.value = token;
    currentUser.value = user;
  });
}

export function setUser(user: User): void {
  currentUser.value = user;
}

export function signOut(): void {
  writeToken(null);
  batch(() => {
    accessToken.value = null;
    currentUser.value = null;
  });
}
