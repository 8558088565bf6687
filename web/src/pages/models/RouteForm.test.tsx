import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { RouteAlias } from "../../api/types";
import { allCalls, jsonResponse, routes } from "../../test/fetch";
import { RouteCard } from "./RouteCard";
import { RouteForm } from "./RouteForm";

const ROUTE: RouteAlias = {
  id: "rt_1",
  alias: "fast",
  strategy: "fallback",
  targets: [{ model: "openai/gpt-4o-mini" }],
  retries: 1,
  timeout_ms: null,
  cache_ttl_seconds: null,
  prompt_cache: "off",
  capture: "bodies",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
};

describe("route form", () => {
  it("captures nothing beyond the log row by default, and sends the chosen capture on create", async () => {
    const fetchMock = routes({ "POST /api/routes": (c) => jsonResponse(201, { ...ROUTE, ...(c.body as object) }) });
    const onSaved = vi.fn();
    render(<RouteForm onSaved={onSaved} onCancel={vi.fn()} />);

    const capture = screen.getByLabelText<HTMLSelectElement>("Capture");
    expect(capture.value).toBe("none");
    expect(screen.getByText("Only the log row: time, model, status, tokens and cost.")).toBeTruthy();
    fireEvent.input(screen.getByLabelText("Alias"), { target: { value: "fast" } });
    fireEvent.input(screen.getByLabelText("Target 1 model"), { target: { value: "openai/gpt-4o-mini" } });
    fireEvent.change(capture, { target: { value: "metadata" } });
    expect(screen.getByText("Also timings, attempts and the headers sent upstream, with secrets removed.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add alias" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(allCalls(fetchMock)[0]?.body).toEqual({
      alias: "fast",
      strategy: "fallback",
      targets: [{ model: "openai/gpt-4o-mini" }],
      retries: 0,
      timeout_ms: null,
      cache_ttl_seconds: null,
      prompt_cache: "off",
      capture: "metadata",
    });
  });

  it("starts an edit from the route's capture and sends the change with the rest of the route", async () => {
    const fetchMock = routes({ "PATCH /api/routes/rt_1": (c) => jsonResponse(200, { ...ROUTE, ...(c.body as object) }) });
    const onSaved = vi.fn();
    render(<RouteForm route={ROUTE} onSaved={onSaved} onCancel={vi.fn()} />);

    const capture = screen.getByLabelText<HTMLSelectElement>("Capture");
    expect(capture.value).toBe("bodies");
    fireEvent.change(capture, { target: { value: "none" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ capture: "none" })));
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({ alias: "fast", retries: 1, prompt_cache: "off", capture: "none" });
  });
});

describe("route card", () => {
  it("shows what the route captures, only when it captures more than the log row", () => {
    const { rerender } = render(<RouteCard route={ROUTE} canWrite={false} onEdit={vi.fn()} onDeleted={vi.fn()} />);
    expect(screen.getByText("Capture").nextElementSibling?.textContent).toBe("Metadata and bodies");
    rerender(<RouteCard route={{ ...ROUTE, capture: "none" }} canWrite={false} onEdit={vi.fn()} onDeleted={vi.fn()} />);
    expect(screen.queryByText("Capture")).toBeNull();
  });
});
