import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { Provider } from "../../api/types";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, PROVIDER, routes, session } from "../../test/fetch";
import { ProviderCard } from "./ProviderCard";

function renderCard(provider: Provider = PROVIDER, canWrite = true) {
  const handlers = { onEdit: vi.fn(), onChanged: vi.fn(), onDeleted: vi.fn() };
  render(<ProviderCard provider={provider} canWrite={canWrite} {...handlers} />);
  return handlers;
}

describe("ProviderCard", () => {
  it("shows kind, scope, models, enabled state and only the last four of the key", () => {
    renderCard();
    const card = screen.getByRole("article", { name: "openai" });
    expect(within(card).getByText("openai", { selector: "dd" })).toBeTruthy();
    expect(within(card).getByText("Own")).toBeTruthy();
    expect(within(card).getByText("Enabled")).toBeTruthy();
    expect(within(card).getByText("••••x9Z2")).toBeTruthy();
    const models = within(card).getByRole("list", { name: "Models" });
    expect(
      within(models)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["gpt-4o-mini", "gpt-4o"]);
  });

  it("shows a provider not called yet as closed, with no latency", () => {
    renderCard();
    const card = screen.getByRole("article", { name: "openai" });
    expect(within(card).getByText("Closed · healthy")).toBeTruthy();
    expect(within(card).getByText("Observed latency").nextElementSibling?.textContent).toBe("No calls yet");
  });

  it("shows an open circuit and the observed latency", () => {
    renderCard({ ...PROVIDER, health: { circuit: "open", samples: 5, failures: 5, latency_ms: 120 } });
    const card = screen.getByRole("article", { name: "openai" });
    expect(within(card).getByText("Open · tripped")).toBeTruthy();
    expect(within(card).getByText("Observed latency").nextElementSibling?.textContent).toBe("~120 ms");
  });

  it("collapses long model lists", () => {
    renderCard({ ...PROVIDER, models: Array.from({ length: 9 }, (_, i) => `m${i}`) });
    expect(screen.getByText("+3 more")).toBeTruthy();
  });

  it("offers no actions to a role that may not change it", () => {
    renderCard({ ...PROVIDER, scope: "platform", api_key_last4: null }, false);
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByText("Platform")).toBeTruthy();
    expect(screen.getByText("Set")).toBeTruthy();
  });

  it("tests the provider and shows ok, status and latency", async () => {
    signIn(session("tok"));
    const fetchMock = routes({ "POST /api/providers/prv_1/test": () => jsonResponse(200, { ok: true, status: 200, latency_ms: 87, models: ["a", "b"] }) });
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Test" }));
    const status = await screen.findByText("Reachable");
    expect(status.closest('[role="status"]')?.textContent).toContain("HTTP 200");
    expect(status.closest('[role="status"]')?.textContent).toContain("87 ms");
    expect(allCalls(fetchMock)[0]?.method).toBe("POST");
  });

  it("shows a failed test as a failure, not as an error page", async () => {
    routes({ "POST /api/providers/prv_1/test": () => jsonResponse(200, { ok: false, status: 401, latency_ms: 12, error: "Incorrect API key provided" }) });
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Test" }));
    const status = await screen.findByText("Failed");
    expect(status.closest('[role="status"]')?.textContent).toContain("Incorrect API key provided");
  });

  it("disables it with a PATCH and reports the updated provider", async () => {
    const fetchMock = routes({ "PATCH /api/providers/prv_1": (c) => jsonResponse(200, { ...PROVIDER, ...(c.body as object) }) });
    const { onChanged } = renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Disable" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...PROVIDER, enabled: false }));
    expect(allCalls(fetchMock)[0]?.body).toEqual({ enabled: false });
  });

  it("deletes only after confirmation", async () => {
    const fetchMock = routes({ "DELETE /api/providers/prv_1": () => jsonResponse(200, PROVIDER) });
    const { onDeleted } = renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete openai?" });
    expect(fetchMock).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalledWith("prv_1"));
    expect(allCalls(fetchMock).map((c) => `${c.method} ${c.url}`)).toEqual(["DELETE /api/providers/prv_1"]);
  });

  it("cancelling the confirmation deletes nothing", async () => {
    const fetchMock = routes({});
    const { onDeleted } = renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(fetchMock).not.toHaveBeenCalled();
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
