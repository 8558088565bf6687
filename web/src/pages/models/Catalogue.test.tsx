import { render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { ModelPrice } from "../../api/types";
import { Catalogue } from "./Catalogue";

const priced: ModelPrice = {
  model: "openai/gpt-4o-mini",
  provider_id: "prv_1",
  platform: true,
  priced: true,
  price_id: "prc_1",
  input_per_mtok_micros: 150_000,
  output_per_mtok_micros: 600_000,
};
const unpriced: ModelPrice = { ...priced, model: "openai/o9", priced: false, price_id: null, input_per_mtok_micros: null, output_per_mtok_micros: null };

describe("Catalogue", () => {
  it("shows the billed price of each model and flags platform models without a price", () => {
    render(<Catalogue models={[priced, unpriced]} />);
    const rows = screen.getAllByRole("row").slice(1);
    expect(within(rows[0]!).queryByText("not priced")).toBeNull();
    expect(rows[0]!.textContent).toContain("$0.15");
    const flagged = within(rows[1]!).getByText("not priced");
    expect(flagged.getAttribute("title")).toContain("model_not_priced");
    expect(rows[1]!.textContent).toContain("—");
  });

  it("says so when there is nothing to call", () => {
    render(<Catalogue models={[]} />);
    expect(screen.getByText("No enabled provider lists any models.")).toBeTruthy();
  });
});
