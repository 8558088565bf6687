import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { describe, expect, it, vi } from "vitest";
import type { ApiKey, CreatedApiKey } from "../../api/types";
import { allCalls, apiErrorResponse, jsonResponse, routes } from "../../test/fetch";
import { CreateKeyDialog } from "./CreateKeyDialog";

const SECRET = "sk-agg-0123456789abcdefghijklmnopqrstuvwxyzABCD";
const CREATED: CreatedApiKey = {
  id: "key_1",
  name: "CI",
  prefix: "sk-agg-01234",
  rpm_limit: 60,
  tpm_limit: null,
  models: ["demo/echo"],
  budget_micros: null,
  budget_period: "monthly",
  budget_mode: "hard",
  model_limits: null,
  prompt_cache: "off",
  capture: "none",
  mcp_tools: [],
  expires_at: null,
  revoked_at: null,
  last_used_at: null,
  created_at: "2026-01-01T00:00:00.000Z",
  key: SECRET,
};

function Harness({ onCreated }: { onCreated: (key: ApiKey) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      <CreateKeyDialog open={open} onClose={() => setOpen(false)} onCreated={onCreated} />
    </>
  );
}

function fillAndCreate() {
  const dialog = screen.getByRole("dialog", { name: "Create an API key" });
  fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "CI" } });
  fireEvent.input(within(dialog).getByLabelText("Requests per minute"), { target: { value: "60" } });
  fireEvent.input(within(dialog).getByLabelText("Allowed models"), { target: { value: "demo/echo" } });
  fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));
}

describe("creating an API key", () => {
  it("shows the secret once, with a copy button and a warning, and forgets it when closed", async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    const fetchMock = routes({ "POST /api/keys": () => jsonResponse(201, CREATED) });
    const onCreated = vi.fn();
    render(<Harness onCreated={onCreated} />);

    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    fillAndCreate();

    const secret = await screen.findByLabelText<HTMLInputElement>("Secret of CI");
    expect(secret.value).toBe(SECRET);
    expect(secret.readOnly).toBe(true);
    expect(screen.getByRole("alert").textContent).toMatch(/won't see it again/);
    expect(allCalls(fetchMock)[0]?.body).toEqual({
      name: "CI",
      rpm_limit: 60,
      tpm_limit: null,
      models: ["demo/echo"],
      expires_at: null,
      budget_micros: null,
      budget_period: "monthly",
      budget_mode: "hard",
      model_limits: null,
      prompt_cache: "off",
      capture: "none",
      mcp_tools: [],
    });

    // The list gets the key without its secret.
    const { key: _secret, ...listed } = CREATED;
    expect(onCreated).toHaveBeenCalledWith(listed);

    fireEvent.click(screen.getByRole("button", { name: "Copy key" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(SECRET));
    expect(await screen.findByText("Copied to the clipboard.")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "I've saved it" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain(SECRET);

    // Opening again starts a new key; the old secret is gone for good.
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    expect(screen.getByRole("dialog", { name: "Create an API key" })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it("sends the budget in micro-dollars, its period and mode, and the caps per model", async () => {
    const fetchMock = routes({
      "POST /api/keys": (c) => jsonResponse(201, { ...CREATED, ...(c.body as object) }),
    });
    render(<Harness onCreated={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const dialog = screen.getByRole("dialog", { name: "Create an API key" });
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "CI" } });
    fireEvent.input(within(dialog).getByLabelText("Budget (USD)"), { target: { value: "20" } });
    fireEvent.change(within(dialog).getByLabelText("Budget period"), { target: { value: "daily" } });
    fireEvent.change(within(dialog).getByLabelText("When the budget is spent"), { target: { value: "soft" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add a cap" }));
    fireEvent.input(within(dialog).getByLabelText("Model of cap 1"), { target: { value: "openai/*" } });
    fireEvent.input(within(dialog).getByLabelText("Requests per minute, cap 1"), { target: { value: "30" } });
    fireEvent.input(within(dialog).getByLabelText("Budget in USD, cap 1"), { target: { value: "2.50" } });
    fireEvent.change(within(dialog).getByLabelText("Budget period, cap 1"), { target: { value: "weekly" } });
    fireEvent.click(within(dialog).getByLabelText("Prompt caching: automatic"));
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));

    expect(await screen.findByLabelText("Secret of CI")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({
      budget_micros: 20_000_000,
      budget_period: "daily",
      budget_mode: "soft",
      model_limits: [{ model: "openai/*", rpm_limit: 30, tpm_limit: null, budget_micros: 2_500_000, budget_period: "weekly" }],
      prompt_cache: "auto",
    });
  });

  it("captures nothing beyond the log row unless asked, and sends the chosen capture", async () => {
    const fetchMock = routes({
      "POST /api/keys": (c) => jsonResponse(201, { ...CREATED, ...(c.body as object) }),
    });
    render(<Harness onCreated={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const dialog = screen.getByRole("dialog", { name: "Create an API key" });
    const capture = within(dialog).getByLabelText<HTMLSelectElement>("Capture");
    expect(capture.value).toBe("none");
    expect([...capture.options].map((o) => o.value)).toEqual(["none", "metadata", "bodies"]);
    expect(within(dialog).getByText("Only the log row: time, model, status, tokens and cost.")).toBeTruthy();

    fireEvent.change(capture, { target: { value: "bodies" } });
    expect(within(dialog).getByText("Also the request and the answer, redacted, kept for the tenant's log retention.")).toBeTruthy();
    fireEvent.change(capture, { target: { value: "metadata" } });
    expect(within(dialog).getByText("Also timings, attempts and the headers sent upstream, with secrets removed.")).toBeTruthy();
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "CI" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));

    expect(await screen.findByLabelText("Secret of CI")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({ name: "CI", capture: "metadata" });
  });

  it("checks the budget and each cap per model before calling the API", async () => {
    const fetchMock = routes({});
    render(<Harness onCreated={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const dialog = screen.getByRole("dialog");
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "CI" } });
    fireEvent.input(within(dialog).getByLabelText("Budget (USD)"), { target: { value: "a lot" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add a cap" }));
    fireEvent.input(within(dialog).getByLabelText("Model of cap 1"), { target: { value: "gpt-4o" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));
    expect(await within(dialog).findByText("Enter an amount such as 20 or 9.50, or leave it empty.")).toBeTruthy();
    expect(within(dialog).getByLabelText("Budget (USD)").getAttribute("aria-invalid")).toBe("true");
    expect(within(dialog).getByText("Name a model as provider/model, or every model of a provider as provider/*.")).toBeTruthy();
    expect(within(dialog).getByLabelText("Model of cap 1").getAttribute("aria-invalid")).toBe("true");
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove cap 1" }));
    expect(within(dialog).queryByLabelText("Model of cap 1")).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("validates before calling the API", async () => {
    const fetchMock = routes({});
    render(<Harness onCreated={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const dialog = screen.getByRole("dialog");
    fireEvent.input(within(dialog).getByLabelText("Requests per minute"), { target: { value: "0" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));
    expect(await within(dialog).findByText("Use 1 to 100 characters.")).toBeTruthy();
    expect(within(dialog).getByLabelText("Requests per minute").getAttribute("aria-invalid")).toBe("true");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the API's error and keeps the form", async () => {
    routes({ "POST /api/keys": () => apiErrorResponse(403, "forbidden", "Your role (viewer) may not do this: it needs 'keys:write'.") });
    render(<Harness onCreated={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Open" }));
    fillAndCreate();
    expect((await screen.findByRole("alert")).textContent).toContain("may not do this");
    expect(screen.getByLabelText("Name")).toBeTruthy();
  });
});
