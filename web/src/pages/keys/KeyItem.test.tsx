import { render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { ApiKey } from "../../api/types";
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
});
