import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { App } from "./app";
import { accessToken, signIn } from "./stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, LOGIN_OK, ME_OK, PROVIDER, routes, session, userWithRole } from "./test/fetch";

function renderAt(path: string) {
  history.replaceState(null, "", path);
  render(<App />);
}

/** The API a signed-in dashboard talks to. */
const dashboardApi = (extra: Parameters<typeof routes>[0] = {}) =>
  routes({
    "GET /api/auth/me": () => jsonResponse(200, ME_OK),
    "GET /api/keys": () => jsonResponse(200, { data: [] }),
    "GET /api/routes": () => jsonResponse(200, { data: [] }),
    "GET /api/providers": () => jsonResponse(200, { data: [PROVIDER] }),
    ...extra,
  });

describe("routing and the dashboard", () => {
  it("sends a signed-out visitor from / to /login", async () => {
    renderAt("/");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(location.pathname).toBe("/login");
  });

  it("guards private pages and remembers where the visitor was going", async () => {
    renderAt("/keys");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(location.pathname).toBe("/login");
    expect(new URLSearchParams(location.search).get("next")).toBe("/keys");
  });

  it("sends a signed-in user from / to the dashboard, which shows the account", async () => {
    signIn(session("tok_abc"));
    const fetchMock = dashboardApi();
    renderAt("/");

    expect(await screen.findByText("owner@example.com")).toBeTruthy();
    expect(screen.getByText((_, el) => el?.tagName === "P" && el.textContent === "Signed in as owner@example.com")).toBeTruthy();
    expect(await screen.findByText("Acme Labs", { selector: "strong" })).toBeTruthy();
    expect(location.pathname).toBe("/dashboard");
    expect(screen.getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBe("page");
    const me = allCalls(fetchMock).find((c) => c.url === "/api/auth/me");
    expect(me?.headers.get("Authorization")).toBe("Bearer tok_abc");
    // provider status and the curl snippet come from real data
    expect(await screen.findByText(/curl http:\/\/.*\/v1\/chat\/completions/)).toBeTruthy();
    expect(await screen.findByText(/"model":"openai\/gpt-4o-mini"/)).toBeTruthy();
  });

  it("signs out when the API refuses the session and the refresh fails", async () => {
    signIn(session("tok_expired"));
    routes({
      "GET /api/auth/me": () => apiErrorResponse(401, "token_expired", "Token expired."),
      "POST /api/auth/refresh": () => apiErrorResponse(401, "invalid_refresh_token", "Sign in again."),
    });
    renderAt("/dashboard");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(location.pathname).toBe("/login");
    expect(accessToken.value).toBeNull();
  });

  it("signs out with the button even if the logout call fails", async () => {
    signIn(session("tok_abc"));
    const fetchMock = dashboardApi({ "POST /api/auth/logout": () => apiErrorResponse(500, "internal", "Boom") });
    renderAt("/dashboard");

    const nav = await screen.findByRole("navigation", { name: "Main" });
    fireEvent.click(within(nav).getByRole("button", { name: "Sign out" }));

    await screen.findByRole("heading", { name: "Sign in" });
    expect(accessToken.value).toBeNull();
    expect(location.pathname).toBe("/login");
    expect(allCalls(fetchMock).some((c) => c.method === "POST" && c.url === "/api/auth/logout")).toBe(true);
  });

  it("switches tenant with POST /api/auth/switch", async () => {
    signIn(session("tok_abc"));
    const twoTenants = { ...ME_OK, tenants: [...ME_OK.tenants, { id: "ten_2", name: "Beta", role: "viewer" }] };
    const fetchMock = dashboardApi({
      "GET /api/auth/me": (c) =>
        jsonResponse(200, c.headers.get("Authorization") === "Bearer tok_2" ? { ...twoTenants, tenant: { id: "ten_2", name: "Beta" } } : twoTenants),
      "POST /api/auth/switch": () => jsonResponse(200, { ...LOGIN_OK, access_token: "tok_2", user: { ...LOGIN_OK.user, tenant_id: "ten_2", role: "viewer" } }),
    });
    renderAt("/dashboard");
    const select = await screen.findByLabelText("Switch tenant");
    fireEvent.change(select, { target: { value: "ten_2" } });
    fireEvent.click(screen.getByRole("button", { name: "Switch" }));
    await waitFor(() => expect(accessToken.value).toBe("tok_2"));
    expect(allCalls(fetchMock).find((c) => c.url === "/api/auth/switch")?.body).toEqual({ tenant_id: "ten_2" });
    expect(await screen.findByText("Beta", { selector: "strong" })).toBeTruthy();
  });

  it("hides what the role may not do: no audit log for a developer", async () => {
    signIn(session("tok", userWithRole("developer")));
    dashboardApi();
    renderAt("/dashboard");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).queryByRole("link", { name: "Audit log" })).toBeNull();
    expect(within(nav).getByRole("link", { name: "API keys" })).toBeTruthy();
    expect(within(nav).queryByRole("link", { name: "Billing" })).toBeNull();
    expect(within(nav).getByRole("link", { name: "Analytics" })).toBeTruthy();
  });

  it('keeps the secondary items under "More" for phones', async () => {
    signIn(session("tok"));
    dashboardApi();
    renderAt("/dashboard");
    const more = await screen.findByRole("button", { name: "More" });
    expect(more.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(more);
    expect(more.getAttribute("aria-expanded")).toBe("true");
    const menu = document.getElementById(more.getAttribute("aria-controls") ?? "");
    expect(
      menu &&
        within(menu)
          .getAllByRole("link")
          .map((a) => a.textContent),
    ).toEqual(["Tools", "Analytics", "Logs", "End users", "Billing", "Audit log", "Users", "Settings", "Diagnostics"]);
    fireEvent.keyDown(more, { key: "Escape" });
    expect(more.getAttribute("aria-expanded")).toBe("false");
  });

  it("shows a not-found page for unknown paths", async () => {
    renderAt("/nope");
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeTruthy();
  });
});

describe("a link that names the tenant (an alert to a person in several tenants)", () => {
  const TWO_TENANTS = [...ME_OK.tenants, { id: "ten_2", name: "Beta Corp", role: "admin" }];

  it("switches to that tenant, then drops the parameter", async () => {
    signIn(session("tok_abc"));
    let tenant = ME_OK.tenant;
    const fetchMock = dashboardApi({
      "GET /api/auth/me": () => jsonResponse(200, { ...ME_OK, user: { ...ME_OK.user, tenant_id: tenant.id }, tenant, tenants: TWO_TENANTS }),
      "POST /api/auth/switch": () => {
        tenant = { id: "ten_2", name: "Beta Corp" };
        return jsonResponse(200, { ...LOGIN_OK, access_token: "tok_beta", user: { ...LOGIN_OK.user, tenant_id: "ten_2", role: "admin" } });
      },
    });
    renderAt("/dashboard?tenant=ten_2");

    expect(await screen.findByText("Beta Corp", { selector: "strong" })).toBeTruthy();
    await waitFor(() => expect(location.search).toBe(""));
    expect(location.pathname).toBe("/dashboard");
    expect(
      allCalls(fetchMock)
        .filter((c) => c.url === "/api/auth/switch")
        .map((c) => c.body),
    ).toEqual([{ tenant_id: "ten_2" }]);
    expect(accessToken.value).toBe("tok_beta");
  });

  it("leaves the tenant alone when the user is not a member of the one named", async () => {
    signIn(session("tok_abc"));
    const fetchMock = dashboardApi();
    renderAt("/dashboard?tenant=ten_other&x=1");

    await waitFor(() => expect(location.search).toBe("?x=1"));
    expect(await screen.findByText("Acme Labs", { selector: "strong" })).toBeTruthy();
    expect(allCalls(fetchMock).some((c) => c.url === "/api/auth/switch")).toBe(false);
  });
});
