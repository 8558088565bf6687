import { describe, expect, it, vi } from 'vitest';
import { USER } from '../test/fetch';
import { accessToken, currentUser, isSignedIn, signIn, signOut, TOKEN_STORAGE_KEY } from './auth';

describe('auth store', () => {
  it('starts signed out', () => {
    expect(accessToken.value).toBeNull();
    expect(currentUser.value).toBeNull();
    expect(isSignedIn.value).toBe(false);
  });

  it('signIn keeps the token and user and persists the token', () => {
    signIn('tok_1', USER);
    expect(accessToken.value).toBe('tok_1');
    expect(currentUser.value).toEqual(USER);
    expect(isSignedIn.value).toBe(true);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('tok_1');
  });

  it('signOut clears memory and storage', () => {
    signIn('tok_1', USER);
    signOut();
    expect(accessToken.value).toBeNull();
    expect(currentUser.value).toBeNull();
    expect(isSignedIn.value).toBe(false);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('restores the token from sessionStorage on load', async () => {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, 'tok_saved');
    vi.resetModules();
    const fresh = await import('./auth');
    expect(fresh.accessToken.value).toBe('tok_saved');
    expect(fresh.isSignedIn.value).toBe(true);
  });
});
