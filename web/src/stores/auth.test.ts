import { describe, expect, it, vi } from "vitest";
import { session, USER } from "../test/fetch";
import { accessToken, currentUser, expiresSoon, hasSessionHint, isSignedIn, onSessionChange, signIn, signOut, TOKEN_STORAGE_KEY, tokenExpiresAt } from "./auth";

describe("auth store", () => {
  it("starts signed out", () => {
    expect(accessToken.value).toBeNull();
    expect(currentUser.value).toBeNull();
    expect(isSignedIn.value).toBe(false);
    expect(hasSessionHint()).toBe(false);
  });

  it("signIn keeps the token, its expiry and the user, and persists them", () => {
    signIn(session("tok_1"), 1_000_000);
    expect(accessToken.value).toBe("tok_1");
    expect(tokenExpiresAt.value).toBe(1_000_000 + 900_000);
    expect(currentUser.value).toEqual(USER);
    expect(isSignedIn.value).toBe(true);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe("tok_1");
    expect(hasSessionHint()).toBe(true);
  });

  it("signOut clears memory and storage and notifies listeners", () => {
    const listener = vi.fn();
    const stop = onSessionChange(listener);
    signIn(session("tok_1"));
    signOut();
    stop();
    expect(listener.mock.calls).toEqual([["signin"], ["signout"]]);
    expect(accessToken.value).toBeNull();
    expect(currentUser.value).toBeNull();
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(hasSessionHint()).toBe(false);
  });

  it("knows when the token is about to expire", () => {
    signIn(session("tok_1", USER, 900), 0);
    expect(expiresSoon(0)).toBe(false);
    expect(expiresSoon(850_000)).toBe(true);
  });

  it("restores the token, expiry and user from sessionStorage on load", async () => {
    signIn(session("tok_saved"));
    vi.resetModules();
    const fresh = await import("./auth");
    expect(fresh.accessToken.value).toBe("tok_saved");
    expect(fresh.currentUser.value).toEqual(USER);
    expect(fresh.tokenExpiresAt.value).toBe(tokenExpiresAt.value);
    expect(fresh.isSignedIn.value).toBe(true);
  });
});
