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
  per_image_micros: null,
  image_prices: null,
  per_audio_second_micros: null,
  per_mchar_micros: null,
  per_request_micros: null,
  per_search_unit_micros: null,
  batch_discount_bps: null,
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
    expect(headers).toEqual(["Model", "Input", "Output", "Cached input", "Cache write, 5 min", "Cache write, 1 h", "Reasoning", "Per unit", "Source"]);
    const cells = within(screen.getAllByRole("row")[1]!).getAllByRole("cell");
    expect(cells.map((c) => c.textContent)).toEqual(["$3.00", "$15.00", "$0.30", "$3.75", "$6.00", "—", "—", "Anthropic API pricing"]);
    expect(cells[4]!.getAttribute("title")).toBe("2 × the input price (no price of its own)");
    expect(cells[3]!.getAttribute("title")).toBeNull();
  });

  it("shows prices per unit: per image and per size, per second, per million characters, the batch discount", () => {
    const dalle: Price = {
      ...sonnet,
      id: "prc_2",
      model: "dall-e-3",
      per_image_micros: 40_000,
      image_prices: { "1024x1024/hd": 80_000 },
      batch_discount_bps: 5000,
    };
    const whisper: Price = { ...sonnet, id: "prc_3", model: "whisper-1", per_audio_second_micros: 100 };
    const tts: Price = { ...sonnet, id: "prc_4", model: "tts-1", per_mchar_micros: 15_000_000 };
    render(<PriceTable prices={[dalle, whisper, tts]} />);
    const unitCell = (row: number) => within(screen.getAllByRole("row")[row]!).getAllByRole("cell")[6]!;
    expect([...unitCell(1).querySelectorAll("div")].map((d) => d.textContent)).toEqual(["$0.04 / image", "1024x1024/hd: $0.08", "Batch: 50 % off"]);
    expect(unitCell(2).textContent).toBe("$0.0001 / second of audio");
    expect(unitCell(3).textContent).toBe("$15.00 / million characters");
  });
});
