import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { describe, expect, it } from "vitest";
import { accessToken } from "../stores/auth";
import { apiErrorResponse, fetchCall, jsonResponse, LOGIN_OK, stubFetch } from "../test/fetch";
import AcceptInvite from "./AcceptInvite";
import Register from "./Register";

function renderAt(path: string) {
  history.replaceState(null, "", path);
  render(
    <LocationProvider>
      <Router>
        <Route path="/invite/:token" component={AcceptInvite} />
        <Route path="/register" component={Register} />
        <Route default component={() => <p>elsewhere</p>} />
      </Router>
    </LocationProvider>,
  );
}

describe("accepting an invitation", () => {
  it("posts the token from the link with the password and signs in", async () => {
    const fetchMock = stubFetch(async () => jsonResponse(200, LOGIN_OK));
    renderAt("/invite/tok_invite_123");
    fireEvent.input(await screen.findByLabelText("Password"), { target: { value: "long enough pw" } });
    fireEvent.input(screen.getByLabelText("Your name (optional)"), { target: { value: " Ann " } });
    fireEvent.click(screen.getByRole("button", { name: "Join" }));
    await waitFor(() => expect(location.pathname).toBe("/dashboard"));
    const sent = fetchCall(fetchMock);
    expect(sent.url).toBe("/api/auth/accept-invitation");
    expect(sent.body).toEqual({ token: "tok_invite_123", password: "long enough pw", name: "Ann" });
    expect(accessToken.value).toBe("tok_abc");
  });

  it("explains a used invitation", async () => {
    stubFetch(async () => apiErrorResponse(410, "invitation_used", "This invitation was already used."));
    renderAt("/invite/tok_used");
    fireEvent.input(await screen.findByLabelText("Password"), { target: { value: "whatever1234" } });
    fireEvent.click(screen.getByRole("button", { name: "Join" }));
    expect((await screen.findByRole("alert")).textContent).toContain("This invitation was already used.");
  });
});

describe("registering", () => {
  it("checks the password length like the API, then creates the account", async () => {
    const fetchMock = stubFetch(async () => jsonResponse(201, LOGIN_OK));
    renderAt("/register");
    fireEvent.input(await screen.findByLabelText("Email"), { target: { value: "New@Example.com" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "short" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Use at least 10 characters.")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "long enough pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(location.pathname).toBe("/dashboard"));
    expect(fetchCall(fetchMock).body).toEqual({ email: "new@example.com", password: "long enough pw" });
  });
});
