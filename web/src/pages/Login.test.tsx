import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { LocationProvider } from "preact-iso/router";
import { describe, expect, it } from "vitest";
import { accessToken, currentUser } from "../stores/auth";
import { apiErrorResponse, fetchCall, jsonResponse, LOGIN_OK, stubFetch } from "../test/fetch";
import Login from "./Login";

function renderLogin(path = "/login") {
  history.replaceState(null, "", path);
  render(
    <LocationProvider>
      <Login />
    </LocationProvider>,
  );
}

function fillAndSubmit(email: string, password: string) {
  fireEvent.input(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.input(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("Login page", () => {
  it("renders a heading and labelled fields", () => {
    renderLogin();
    expect(screen.getByRole("heading", { level: 1, name: "Sign in" })).toBeTruthy();
    const email = screen.getByLabelText("Email");
    expect(email.getAttribute("type")).toBe("email");
    expect(email.getAttribute("autocomplete")).toBe("username");
    const password = screen.getByLabelText("Password");
    expect(password.getAttribute("type")).toBe("password");
    expect(password.getAttribute("autocomplete")).toBe("current-password");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("posts the credentials, stores the session and goes to the dashboard", async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, LOGIN_OK));
    renderLogin();

    fillAndSubmit(" owner@example.com ", "hunter22");

    await waitFor(() => expect(accessToken.value).toBe("tok_abc"));
    const { url, init, headers, body } = fetchCall(fetchMock);
    expect(url).toBe("/api/auth/login");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(headers.has("Authorization")).toBe(false);
    expect(body).toEqual({ email: "owner@example.com", password: "hunter22" });
    expect(currentUser.value?.email).toBe("owner@example.com");
    await waitFor(() => expect(location.pathname).toBe("/dashboard"));
  });

  it("disables the button while the request is in flight", async () => {
    let answer: (response: Response) => void = () => undefined;
    stubFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    renderLogin();

    fillAndSubmit("owner@example.com", "pw");

    const button = screen.getByRole("button", { name: "Sign in" });
    await waitFor(() => expect(button.hasAttribute("disabled")).toBe(true));
    answer(apiErrorResponse(401, "invalid_credentials", "Nope."));
    await waitFor(() => expect(button.hasAttribute("disabled")).toBe(false));
  });

  it("shows the API's message in an alert on a 401", async () => {
    stubFetch(async () => apiErrorResponse(401, "invalid_credentials", "Invalid email or password."));
    renderLogin();

    fillAndSubmit("owner@example.com", "wrong");

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Invalid email or password.");
    expect(alert.textContent).toContain("invalid_credentials");
    expect(accessToken.value).toBeNull();
    expect(location.pathname).toBe("/login");
  });

  it("explains a network failure", async () => {
    stubFetch(async () => {
      throw new TypeError("Failed to fetch");
    });
    renderLogin();
    fillAndSubmit("owner@example.com", "pw");
    expect((await screen.findByRole("alert")).textContent).toMatch(/could not reach the server/i);
  });

  it("goes on to ?next= after signing in, but never off-site", async () => {
    stubFetch(async () => jsonResponse(200, LOGIN_OK));
    renderLogin("/login?next=%2Fkeys");
    fillAndSubmit("owner@example.com", "pw");
    await waitFor(() => expect(location.pathname).toBe("/keys"));
  });

  it("ignores a protocol-relative ?next=", async () => {
    stubFetch(async () => jsonResponse(200, LOGIN_OK));
    renderLogin("/login?next=%2F%2Fevil.example");
    fillAndSubmit("owner@example.com", "pw");
    await waitFor(() => expect(location.pathname).toBe("/dashboard"));
  });

  it("links to registration", () => {
    renderLogin();
    expect(screen.getByRole("link", { name: "Create one" }).getAttribute("href")).toBe("/register");
  });
});
