import { fireEvent, render, screen, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { row } from "./fixtures";
import { RequestList } from "./RequestList";

describe("the list of calls", () => {
  it("shows each call as a card: status, model, time, provider, endpoint, latency, tokens, cost and a bodies marker", () => {
    render(
      <RequestList
        rows={[
          row("req_ok", { has_bodies: true, stream: true }),
          row("req_404", {
            status: 404,
            model: "demo/nope",
            provider: null,
            error_type: "model_not_found",
            latency_ms: 3,
            input_tokens: 0,
            output_tokens: 0,
            cost_micros: 0,
          }),
          row("req_503", { status: 503, error_type: "upstream_error" }),
        ]}
        onOpen={() => undefined}
      />,
    );
    const cards = within(screen.getByRole("list", { name: "Calls" })).getAllByRole("listitem");
    expect(cards).toHaveLength(3);
    const [ok, notFound, failed] = cards as [HTMLElement, HTMLElement, HTMLElement];
    expect(ok.querySelector(".badge.ok")?.textContent).toBe("200");
    expect(ok.textContent).toContain("openai/gpt-4o-mini");
    expect(ok.textContent).toContain("chat.completions");
    expect(ok.textContent).toContain("120 ms");
    expect(ok.textContent).toContain("10 → 20 tokens");
    expect(ok.textContent).toContain("$0.00003");
    expect(ok.textContent).toContain("streamed");
    expect(within(ok).getByText("bodies")).toBeTruthy();
    expect(ok.querySelector("time")?.getAttribute("datetime")).toBe("2026-12-03T10:00:00.000Z");
    expect(notFound.querySelector(".badge.warn")?.textContent).toBe("404");
    expect(notFound.textContent).toContain("model_not_found");
    expect(within(notFound).queryByText("bodies")).toBeNull();
    expect(failed.querySelector(".badge.bad")?.textContent).toBe("503");
  });

  it("shows units for a call priced per unit", () => {
    render(
      <RequestList rows={[row("req_img", { endpoint: "images", input_tokens: 0, output_tokens: 0, unit: "image", units: 2 })]} onOpen={() => undefined} />,
    );
    expect(screen.getByRole("listitem").textContent).toContain("2 image");
  });

  it("opens a call with its button, named by the call's id", () => {
    const onOpen = vi.fn();
    render(<RequestList rows={[row("req_a"), row("req_b")]} onOpen={onOpen} />);
    fireEvent.click(screen.getByRole("button", { name: "Open req_b" }));
    expect(onOpen).toHaveBeenCalledWith("req_b");
  });
});
