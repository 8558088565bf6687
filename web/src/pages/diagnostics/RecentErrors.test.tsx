import { fireEvent, render, screen, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { diagnosticsBody } from "./fixtures";
import { RecentErrors } from "./RecentErrors";

const { recent_errors: errors } = diagnosticsBody();

describe("recent errors", () => {
  it("lists each error with its request id, time, status, type, model and provider", () => {
    render(<RecentErrors errors={errors} />);
    const [header, unknownModel, upstream] = screen.getAllByRole("row");
    expect(
      within(header!)
        .getAllByRole("columnheader")
        .map((h) => h.textContent),
    ).toEqual(["Time", "Request ID", "Status", "Error type", "Model", "Provider"]);

    const cells = (row: HTMLElement) => within(row).getAllByRole("cell");
    const [at, id, status, type, model, provider] = cells(unknownModel!);
    expect(at!.querySelector("time")?.getAttribute("datetime")).toBe("2026-03-01T10:15:30.000Z");
    expect(at!.textContent).toMatch(/\d{1,2}:\d{2}:\d{2}/); // to the second
    expect(id!.textContent).toContain("req_unknown_model_1");
    expect([status, type, model, provider].map((c) => c!.textContent)).toEqual(["404", "model_not_found", "—", "—"]);
    expect(
      cells(upstream!)
        .slice(2)
        .map((c) => c.textContent),
    ).toEqual(["502", "upstream_error", "openai/gpt-4o", "openai"]);
  });

  it("copies a request id", async () => {
    const writeText = vi.fn(async (_text: string) => undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    render(<RecentErrors errors={errors} />);
    const row = screen.getByText("req_upstream_2").closest("tr");
    fireEvent.click(within(row!).getByRole("button", { name: "Copy ID" }));
    expect(await within(row!).findByText("Copied to the clipboard.")).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith("req_upstream_2");
  });

  it("says there are none", () => {
    render(<RecentErrors errors={[]} />);
    expect(screen.getByText("No failed calls recently.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });
});
