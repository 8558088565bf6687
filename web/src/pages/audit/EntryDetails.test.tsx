import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { EntryDetails } from "./EntryDetails";

const ENTRY = {
  id: "aud_1",
  tenant_id: "ten_1",
  actor_id: "usr_1",
  action: "update",
  entity_type: "route",
  entity_id: "rte_1",
  before: { alias: "fast", retries: 0 },
  after: { alias: "fast", retries: 2 },
  ip: "203.0.113.9",
  user_agent: "test",
  request_id: "req_1",
  rollback_of: null,
  created_at: "2026-03-01T10:00:00.000Z",
  diff: [
    { field: "retries", before: 0, after: 2 },
    { field: "targets", before: [{ model: "demo/echo" }], after: [{ model: "demo/lorem" }] },
  ],
};

const CONFLICT = {
  current: { alias: "fast", retries: 5 },
  diff: [{ field: "retries", before: 2, after: 5 }],
};

function renderEntry(role = "admin") {
  signIn(session("tok", userWithRole(role)));
  const onRolledBack = vi.fn();
  render(<EntryDetails id="aud_1" onRolledBack={onRolledBack} onClose={vi.fn()} />);
  return onRolledBack;
}

const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole("cell")
    .map((c) => c.textContent);

describe("audit entry details", () => {
  it("shows a readable field-level diff", async () => {
    routes({ "GET /api/audit/aud_1": () => jsonResponse(200, ENTRY) });
    renderEntry();
    const table = await screen.findByRole("table", { name: "Changes" });
    const retries = within(table).getByRole("row", { name: /retries/ });
    expect(cells(retries)).toEqual(["0", "2"]);
    expect(within(table).getByRole("row", { name: /targets/ }).textContent).toContain("demo/lorem");
    expect(screen.getByText("route · rte_1")).toBeTruthy();
  });

  it("rolls back after confirmation", async () => {
    const fetchMock = routes({
      "GET /api/audit/aud_1": () => jsonResponse(200, ENTRY),
      "POST /api/audit/aud_1/rollback": () => jsonResponse(200, { audit_id: "aud_2", entity_type: "route", entity_id: "rte_1", restored: ENTRY.before }),
    });
    const onRolledBack = renderEntry();
    fireEvent.click(await screen.findByRole("button", { name: "Roll back" }));
    expect(allCalls(fetchMock)).toHaveLength(1); // asked first, not sent
    fireEvent.click(within(screen.getByRole("alert")).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByText("Rolled back (entry aud_2).")).toBeTruthy();
    expect(allCalls(fetchMock)[1]?.body).toEqual({ force: false });
    expect(onRolledBack).toHaveBeenCalled();
  });

  it("shows a 409 conflict with the current state and its diff, and can force", async () => {
    let attempts = 0;
    const fetchMock = routes({
      "GET /api/audit/aud_1": () => jsonResponse(200, ENTRY),
      "POST /api/audit/aud_1/rollback": (c) => {
        attempts++;
        return (c.body as { force: boolean }).force
          ? jsonResponse(200, { audit_id: "aud_3", entity_type: "route", entity_id: "rte_1", restored: ENTRY.before })
          : apiErrorResponse(409, "rollback_conflict", "The entity changed after this entry; send force: true to roll back anyway.", CONFLICT);
      },
    });
    renderEntry();
    fireEvent.click(await screen.findByRole("button", { name: "Roll back" }));
    fireEvent.click(within(screen.getByRole("alert")).getByRole("button", { name: "Roll back" }));

    expect(await screen.findByRole("heading", { name: "The entity changed since this entry" })).toBeTruthy();
    expect(screen.getByText(/send force: true/)).toBeTruthy();
    const conflictTable = screen.getByRole("table", { name: "What changed since" });
    expect(
      within(conflictTable)
        .getAllByRole("columnheader")
        .map((h) => h.textContent),
    ).toEqual(["Field", "After this entry", "Now"]);
    expect(cells(within(conflictTable).getByRole("row", { name: /retries/ }))).toEqual(["2", "5"]);
    expect(screen.getByText(/"retries": 5/)).toBeTruthy(); // the current state

    fireEvent.click(screen.getByRole("button", { name: "Roll back anyway" }));
    expect(await screen.findByText("Rolled back (entry aud_3).")).toBeTruthy();
    expect(attempts).toBe(2);
    expect(allCalls(fetchMock)[2]?.body).toEqual({ force: true });
  });

  it("shows other errors plainly", async () => {
    routes({
      "GET /api/audit/aud_1": () => jsonResponse(200, ENTRY),
      "POST /api/audit/aud_1/rollback": () => apiErrorResponse(409, "last_owner", "A tenant needs an owner."),
    });
    renderEntry();
    fireEvent.click(await screen.findByRole("button", { name: "Roll back" }));
    fireEvent.click(within(screen.getByRole("alert")).getByRole("button", { name: "Roll back" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("A tenant needs an owner."));
    expect(screen.queryByRole("button", { name: "Roll back anyway" })).toBeNull();
  });

  it("offers no rollback to a role without audit:rollback", async () => {
    routes({ "GET /api/audit/aud_1": () => jsonResponse(200, ENTRY) });
    renderEntry("developer");
    await screen.findByRole("table");
    expect(screen.queryByRole("button", { name: "Roll back" })).toBeNull();
  });
});
