import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { LocationProvider } from "preact-iso/router";
import { describe, expect, it } from "vitest";
import { accessToken } from "../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, LOGIN_OK, routes } from "../test/fetch";
import Register from "./Register";

const ACCEPTED = { status: "accepted", email: "new@example.com", message: "Sign in with this email and password to continue." };

function renderRegister() {
  history.replaceState(null, "", "/register");
  render(
    <LocationProvider>
      <Register />
    </LocationProvider>,
  );
}

function fillAndSubmit(email = "New@Example.com ", password = "long enough password") {
  fireEvent.input(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.input(screen.getByLabelText(/^Password/), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Create account" }));
}

describe("Register page", () => {
  it("registers, then signs in with the same details and goes to the dashboard", async () => {
    const fetchMock = routes({
      "POST /api/auth/register": () => jsonResponse(202, ACCEPTED),
      "POST /api/auth/login": () => jsonResponse(200, LOGIN_OK),
    });
    renderRegister();
    fillAndSubmit();

    await waitFor(() => expect(accessToken.value).toBe("tok_abc"));
    const [registered, signedIn] = allCalls(fetchMock);
    expect(registered).toMatchObject({ url: "/api/auth/register", method: "POST", body: { email: "new@example.com", password: "long enough password" } });
    expect(signedIn).toMatchObject({ url: "/api/auth/login", method: "POST", body: { email: "new@example.com", password: "long enough password" } });
    await waitFor(() => expect(location.pathname).toBe("/dashboard"));
  });

  it("explains a failed sign-in after registering (the email may already have had an account)", async () => {
    routes({
      "POST /api/auth/register": () => jsonResponse(202, ACCEPTED),
      "POST /api/auth/login": () => apiErrorResponse(401, "invalid_credentials", "Incorrect email or password."),
    });
    renderRegister();
    fillAndSubmit();

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Incorrect email or password.");
    expect(screen.getByText(/already had an account/).textContent).toContain("sign in with that account");
    expect(accessToken.value).toBeNull();
    expect(location.pathname).toBe("/register");
    expect(screen.getByRole("button", { name: "Create account" }).hasAttribute("disabled")).toBe(false);
  });

  it("shows a refused registration and does not try to sign in", async () => {
    const fetchMock = routes({
      "POST /api/auth/register": () => apiErrorResponse(403, "signup_disabled", "Sign-up is disabled on this installation; ask for an invitation."),
    });
    renderRegister();
    fillAndSubmit();

    expect((await screen.findByRole("alert")).textContent).toContain("Sign-up is disabled");
    expect(allCalls(fetchMock).map((c) => c.url)).toEqual(["/api/auth/register"]);
    expect(screen.queryByText(/already had an account/)).toBeNull();
  });
});
