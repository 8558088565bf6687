import { render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { Price } from "../../api/types";
import { PriceTable } from "./PriceTable";

const sonnet: Price = {
  id: "prc_1",
  model: "claude-sonnet-4-5",
  input_per_mtok_micros: 3_000_000,
  output_per_mtok_micros: 15_000_000,
  cached_input_per_mtok_micros: 300_000,
  reasoning_per_mtok_micros: null,
  cache_write_5m_per_mtok_micros: 3_750_000,
  cache_write_1h_per_mtok_micros: null,
  source: "Anthropic API pricing",
  effective_at: "2025-10-01T00:00:00.000Z",
  scope: "platform",
  override: false,
  operator_set: false,
  created_at: "2025-10-01T00:00:00.000Z",
};

describe("PriceTable", () => {
  it("shows cache reads and both cache writes; a write without a price of its own at its multiple of input", () => {
    render(<PriceTable prices={[sonnet]} />);
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Model", "Input", "Output", "Cached input", "Cache write, 5 min", "Cache write, 1 h", "Reasoning", "Source"]);
    const cells = within(screen.getAllByRole("row")[1]!).getAllByRole("cell");
    expect(cells.map((c) => c.textContent)).toEqual(["$3.00", "$15.00", "$0.30", "$3.75", "$6.00", "—", "Anthropic API pricing"]);
    expect(cells[4]!.getAttribute("title")).toBe("2 × the input price (no price of its own)");
    expect(cells[3]!.getAttribute("title")).toBeNull();
  });
});
