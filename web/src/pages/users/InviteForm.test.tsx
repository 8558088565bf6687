import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { InviteForm } from "./InviteForm";

const INVITATION = {
  id: "inv_1",
  email: "new@example.com",
  role: "developer",
  expires_at: "2026-01-08T00:00:00.000Z",
  accepted_at: null,
  revoked_at: null,
  created_by: "usr_1",
  created_at: "2026-01-01T00:00:00.000Z",
  link: "https://agg.example/invite/secret-token",
  email_delivery: "not_configured",
};

describe("invitations", () => {
  it("invites as developer by default and shows the one-time link with a copy button", async () => {
    signIn(session("tok", userWithRole("admin")));
    const fetchMock = routes({ "POST /api/users/invitations": () => jsonResponse(201, INVITATION) });
    const onInvited = vi.fn();
    render(<InviteForm onInvited={onInvited} />);
    expect(screen.getByLabelText<HTMLSelectElement>("Role").value).toBe("developer");
    // an admin may not grant the owner role
    expect([...screen.getByLabelText<HTMLSelectElement>("Role").options].map((o) => o.value)).toEqual(["admin", "developer", "viewer"]);
    fireEvent.input(screen.getByLabelText("Email"), { target: { value: "New@Example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    const link = await screen.findByLabelText<HTMLInputElement>("Invitation link");
    expect(link.value).toBe(INVITATION.link);
    expect(screen.getByRole("button", { name: "Copy" })).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toEqual({ email: "new@example.com", role: "developer", send_email: true, language: "en" });
    expect(screen.queryByText(/e-mailed/)).toBeNull();
    await waitFor(() => expect(onInvited).toHaveBeenCalledWith(INVITATION));
    expect(screen.getByLabelText<HTMLSelectElement>("Role").value).toBe("developer");
  });

  it("says whether the link was e-mailed, and sends none when unticked", async () => {
    signIn(session("tok", userWithRole("owner")));
    let delivery = "sent";
    const fetchMock = routes({ "POST /api/users/invitations": () => jsonResponse(201, { ...INVITATION, email_delivery: delivery }) });
    render(<InviteForm onInvited={() => undefined} />);
    fireEvent.input(screen.getByLabelText("Email"), { target: { value: "new@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    expect(await screen.findByText("The link was e-mailed to new@example.com.")).toBeTruthy();

    delivery = "limited";
    fireEvent.click(screen.getByLabelText("Also e-mail them the link"));
    fireEvent.input(screen.getByLabelText("Email"), { target: { value: "new@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Create invitation" }));
    expect(await screen.findByText(/e-mail allowance for today is used up/)).toBeTruthy();
    expect(allCalls(fetchMock)[1]?.body).toMatchObject({ send_email: false });
  });
});
