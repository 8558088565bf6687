import { describe, expect, it, vi } from "vitest";
import { accessToken, currentUser, signIn, tokenExpiresAt } from "../stores/auth";
import { showingCachedData } from "../stores/network";
import { allCalls, apiErrorResponse, fetchCall, jsonResponse, LOGIN_OK, session, stubFetch, USER } from "../test/fetch";
import { ApiError, buildUrl, call, request } from "./client";

describe("request", () => {
  it("sends JSON and parses a JSON answer", async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, { ok: true }));

    const result = await request("/api/things", { method: "POST", body: { a: 1 } });

    expect(result).toEqual({ ok: true });
    const { url, init, headers } = fetchCall(fetchMock);
    expect(url).toBe("/api/things");
    expect(init.method).toBe("POST");
    expect(init.body).toBe('{"a":1}');
    expect(init.credentials).toBe("same-origin");
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(headers.get("Accept")).toBe("application/json");
  });

  it("sends no Authorization header when signed out", async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, {}));
    await request("/api/x");
    const { init, headers } = fetchCall(fetchMock);
    expect(init.method).toBe("GET");
    expect(init.body).toBeUndefined();
    expect(headers.has("Authorization")).toBe(false);
  });

  it("adds the Bearer token when signed in", async () => {
    signIn(session("tok_123"));
    const fetchMock = stubFetch(async () => jsonResponse(200, {}));
    await request("/api/x");
    expect(fetchCall(fetchMock).headers.get("Authorization")).toBe("Bearer tok_123");
  });

  it("turns an error body into an ApiError with status, code, message and details", async () => {
    stubFetch(async () => apiErrorResponse(409, "rollback_conflict", "Changed since.", { current: { a: 1 }, diff: [] }));
    const error = await request("/api/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "rollback_conflict", message: "Changed since.", details: { current: { a: 1 }, diff: [] } });
  });

  it("still throws an ApiError when the error body is not in the API shape", async () => {
    stubFetch(async () => new Response("<h1>Bad gateway</h1>", { status: 502 }));
    const error = await request("/api/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, code: "http_error" });
  });

  it("reports a network failure as network_error", async () => {
    stubFetch(async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await request("/api/x").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: "network_error" });
  });

  it("accepts a listed non-2xx status as the answer", async () => {
    stubFetch(async () => jsonResponse(503, { status: "degraded" }));
    await expect(request("/api/health", { acceptStatus: [503] })).resolves.toEqual({ status: "degraded" });
  });

  it("flags answers the service worker served from its cache, and clears the flag on a fresh one", async () => {
    stubFetch(async () => jsonResponse(200, { data: [] }, { "x-sw-cache": "hit" }));
    await request("/api/keys");
    expect(showingCachedData.value).toBe(true);
    stubFetch(async () => jsonResponse(200, { data: [] }));
    await request("/api/keys");
    expect(showingCachedData.value).toBe(false);
  });
});

describe("silent refresh", () => {
  it("on a 401 refreshes with the cookie and retries once with the new token", async () => {
    signIn(session("tok_old"));
    const fetchMock = stubFetch(async (input, init) => {
      if (input === "/api/auth/refresh") return jsonResponse(200, { ...LOGIN_OK, access_token: "tok_new" });
      const auth = new Headers(init?.headers).get("Authorization");
      return auth === "Bearer tok_new" ? jsonResponse(200, { data: "fresh" }) : apiErrorResponse(401, "token_expired", "Expired.");
    });

    await expect(request("/api/keys")).resolves.toEqual({ data: "fresh" });

    const calls = allCalls(fetchMock);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(["GET /api/keys", "POST /api/auth/refresh", "GET /api/keys"]);
    expect(calls[1]?.init.credentials).toBe("same-origin");
    expect(calls[1]?.headers.has("Authorization")).toBe(false);
    expect(accessToken.value).toBe("tok_new");
  });

  it("retries only once: a second 401 with a fresh token signs out", async () => {
    signIn(session("tok_old"));
    const fetchMock = stubFetch(async (input) =>
      input === "/api/auth/refresh" ? jsonResponse(200, { ...LOGIN_OK, access_token: "tok_new" }) : apiErrorResponse(401, "invalid_token", "No longer valid."),
    );
    const error = await request("/api/keys").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "invalid_token" });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(accessToken.value).toBeNull();
  });

  it("signs out when the refresh itself is refused", async () => {
    signIn(session("tok_old"));
    stubFetch(async (input) =>
      input === "/api/auth/refresh" ? apiErrorResponse(401, "refresh_expired", "Sign in again.") : apiErrorResponse(401, "token_expired", "Expired."),
    );
    await expect(request("/api/keys")).rejects.toMatchObject({ status: 401 });
    expect(accessToken.value).toBeNull();
    expect(currentUser.value).toBeNull();
  });

  it("refreshes shortly before expiry, before sending the request", async () => {
    signIn(session("tok_old", USER, 30)); // expires in 30 s: inside the refresh margin
    const fetchMock = stubFetch(async (input) =>
      input === "/api/auth/refresh" ? jsonResponse(200, { ...LOGIN_OK, access_token: "tok_new" }) : jsonResponse(200, {}),
    );
    await request("/api/keys");
    const calls = allCalls(fetchMock);
    expect(calls.map((c) => c.url)).toEqual(["/api/auth/refresh", "/api/keys"]);
    expect(calls[1]?.headers.get("Authorization")).toBe("Bearer tok_new");
    expect(tokenExpiresAt.value).toBeGreaterThan(Date.now() + 800_000);
  });

  it("shares one refresh between concurrent 401s", async () => {
    signIn(session("tok_old"));
    let refreshes = 0;
    stubFetch(async (input, init) => {
      if (input === "/api/auth/refresh") {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        return jsonResponse(200, { ...LOGIN_OK, access_token: "tok_new" });
      }
      const auth = new Headers(init?.headers).get("Authorization");
      return auth === "Bearer tok_new" ? jsonResponse(200, {}) : apiErrorResponse(401, "token_expired", "Expired.");
    });
    await Promise.all([request("/api/a"), request("/api/b"), request("/api/c")]);
    expect(refreshes).toBe(1);
  });

  it("never refreshes for sign-in calls (a 401 there is a wrong password)", async () => {
    signIn(session("tok_old"));
    const fetchMock = stubFetch(async () => apiErrorResponse(401, "invalid_credentials", "Incorrect email or password."));
    await expect(request("/api/auth/login", { method: "POST", body: {}, auth: false })).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchCall(fetchMock).headers.has("Authorization")).toBe(false);
    expect(accessToken.value).toBe("tok_old");
  });

  it("keeps the session when the refresh cannot reach the server", async () => {
    signIn(session("tok_old", USER, 30));
    stubFetch(async (input) => {
      if (input === "/api/auth/refresh") throw new TypeError("offline");
      return jsonResponse(200, {});
    });
    await request("/api/keys");
    expect(accessToken.value).toBe("tok_old");
  });

  it("uses the Web Locks API when there is one, so tabs take turns", async () => {
    const requestLock = vi.fn(async (_name: string, task: () => Promise<unknown>) => task());
    vi.stubGlobal("navigator", { ...navigator, locks: { request: requestLock } });
    signIn(session("tok_old", USER, 30));
    stubFetch(async (input) => (input === "/api/auth/refresh" ? jsonResponse(200, { ...LOGIN_OK, access_token: "tok_new" }) : jsonResponse(200, {})));
    await request("/api/keys");
    expect(requestLock).toHaveBeenCalledWith("aggregator-refresh", expect.any(Function));
  });
});

describe("call (typed by the generated schema)", () => {
  it("fills path parameters and drops empty query values", () => {
    expect(buildUrl("/api/keys/{id}", { id: "key 1/2" })).toBe("/api/keys/key%201%2F2");
    expect(buildUrl("/api/audit", undefined, { limit: 50, action: "", cursor: undefined, entity_type: "route" })).toBe("/api/audit?limit=50&entity_type=route");
  });

  it("sends the method, path and body of an operation", async () => {
    signIn(session("tok"));
    const fetchMock = stubFetch(async () => jsonResponse(200, { id: "key_1", name: "renamed" }));
    const key = await call("patch", "/api/keys/{id}", { path: { id: "key_1" }, body: { name: "renamed" } });
    expect(key.name).toBe("renamed");
    const sent = fetchCall(fetchMock);
    expect(sent.method).toBe("PATCH");
    expect(sent.url).toBe("/api/keys/key_1");
    expect(sent.body).toEqual({ name: "renamed" });
  });
});
