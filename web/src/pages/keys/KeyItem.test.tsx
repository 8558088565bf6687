import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { ApiKey } from "../../api/types";
import { allCalls, jsonResponse, routes } from "../../test/fetch";
import { KeyItem } from "./KeyItem";

const KEY: ApiKey = {
  id: "key_1",
  name: "CI",
  prefix: "sk-agg-01234",
  rpm_limit: null,
  tpm_limit: null,
  models: null,
  budget_micros: 20_000_000,
  budget_period: "daily",
  budget_mode: "hard",
  model_limits: [
    { model: "openai/*", rpm_limit: 60, tpm_limit: null, budget_micros: null, budget_period: "monthly" },
    { model: "demo/echo", rpm_limit: null, tpm_limit: null, budget_micros: 5_000_000, budget_period: "total" },
  ],
  prompt_cache: "off",
  capture: "none",
  mcp_tools: [],
  expires_at: null,
  revoked_at: null,
  last_used_at: null,
  created_at: "2026-01-01T00:00:00.000Z",
};

describe("a key in the list", () => {
  it("shows its budget with period and mode, and its caps per model", () => {
    render(
      <ul>
        <KeyItem apiKey={KEY} canWrite={false} onChanged={vi.fn()} />
      </ul>,
    );
    expect(screen.getByText("$20.00 / day, hard")).toBeTruthy();
    expect(screen.getByText("Caps per model")).toBeTruthy();
    expect(screen.getByText("openai/*").parentElement?.textContent).toBe("openai/*: 60 requests/min");
    expect(screen.getByText("demo/echo").parentElement?.textContent).toBe("demo/echo: $5.00 in total");
  });

  it("says when a key has no budget of its own", () => {
    render(
      <ul>
        <KeyItem apiKey={{ ...KEY, budget_micros: null, model_limits: null }} canWrite={false} onChanged={vi.fn()} />
      </ul>,
    );
    expect(screen.getByText("No budget of its own")).toBeTruthy();
    expect(screen.queryByText("Caps per model")).toBeNull();
  });

  it("shows what it captures, only when it captures more than the log row", () => {
    const { rerender } = render(
      <ul>
        <KeyItem apiKey={KEY} canWrite={false} onChanged={vi.fn()} />
      </ul>,
    );
    expect(screen.queryByText("Capture")).toBeNull();
    rerender(
      <ul>
        <KeyItem apiKey={{ ...KEY, capture: "bodies" }} canWrite={false} onChanged={vi.fn()} />
      </ul>,
    );
    expect(screen.getByText("Capture").nextElementSibling?.textContent).toBe("Metadata and bodies");
  });

  it("edits the capture, starting from the key's, and sends it with the rest of the key", async () => {
    const fetchMock = routes({ "PATCH /api/keys/key_1": (c) => jsonResponse(200, { ...KEY, ...(c.body as object) }) });
    const onChanged = vi.fn();
    render(
      <ul>
        <KeyItem apiKey={{ ...KEY, capture: "metadata" }} canWrite onChanged={onChanged} />
      </ul>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Edit CI" }));
    const dialog = screen.getByRole("dialog", { name: "Edit CI" });
    const capture = within(dialog).getByLabelText<HTMLSelectElement>("Capture");
    expect(capture.value).toBe("metadata");
    fireEvent.change(capture, { target: { value: "none" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ capture: "none" })));
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({
      name: "CI",
      budget_micros: 20_000_000,
      budget_period: "daily",
      prompt_cache: "off",
      capture: "none",
    });
  });
});
