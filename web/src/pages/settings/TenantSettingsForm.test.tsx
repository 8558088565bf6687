import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { TenantSettings } from "../../api/types";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { TenantSettingsForm } from "./TenantSettingsForm";

const TENANT: TenantSettings = {
  id: "ten_1",
  name: "Acme",
  billing_enabled: true,
  rpm_limit: null,
  tpm_limit: null,
  concurrency_limit: null,
  monthly_budget_micros: null,
  alert_thresholds: null,
  gate_shards: 1,
  markup_bps: null,
  response_retention_days: 30,
  log_retention_days: 30,
  redaction: null,
  otlp_endpoint: null,
  otlp_header_names: null,
  time_zone: "Europe/Berlin",
  end_user_defaults: null,
  model_limits: [{ model: "openai/*", rpm_limit: 100, tpm_limit: null, budget_micros: null, budget_period: "monthly" }],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
};

describe("tenant settings form", () => {
  it("saves the time zone, the limits for every end user and the caps per model", async () => {
    signIn(session("tok", userWithRole("admin")));
    const fetchMock = routes({ "PATCH /api/tenant": (c) => jsonResponse(200, { ...TENANT, ...(c.body as object) }) });
    const onSaved = vi.fn();
    render(<TenantSettingsForm tenant={TENANT} onSaved={onSaved} />);

    const zone = screen.getByLabelText<HTMLSelectElement>("Time zone");
    expect(zone.value).toBe("Europe/Berlin");
    expect([...zone.options].map((o) => o.value)).toContain("Asia/Tokyo");
    fireEvent.change(zone, { target: { value: "Asia/Tokyo" } });

    const defaults = screen.getByRole("group", { name: "Limits for each end user" });
    fireEvent.input(within(defaults).getByLabelText("Requests per minute, each user"), { target: { value: "30" } });
    fireEvent.input(within(defaults).getByLabelText("Budget per user (USD)"), { target: { value: "1.5" } });
    fireEvent.change(within(defaults).getByLabelText("Budget period, each user"), { target: { value: "daily" } });

    expect(screen.getByLabelText<HTMLInputElement>("Model of cap 1").value).toBe("openai/*");
    fireEvent.click(screen.getByRole("button", { name: "Add a cap" }));
    fireEvent.input(screen.getByLabelText("Model of cap 2"), { target: { value: "demo/echo" } });
    fireEvent.input(screen.getByLabelText("Tokens per minute, cap 2"), { target: { value: "5000" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({
      time_zone: "Asia/Tokyo",
      end_user_defaults: { rpm_limit: 30, tpm_limit: null, budget_micros: 1_500_000, budget_period: "daily" },
      model_limits: [
        { model: "openai/*", rpm_limit: 100, tpm_limit: null, budget_micros: null, budget_period: "monthly" },
        { model: "demo/echo", rpm_limit: null, tpm_limit: 5_000, budget_micros: null, budget_period: "monthly" },
      ],
    });
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
  });

  it("sends no defaults for end users when their fields are empty, and flags a bad cap", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = routes({ "PATCH /api/tenant": (c) => jsonResponse(200, { ...TENANT, ...(c.body as object) }) });
    render(
      <TenantSettingsForm
        tenant={{ ...TENANT, end_user_defaults: { rpm_limit: 5, tpm_limit: null, budget_micros: null, budget_period: "monthly" } }}
        onSaved={vi.fn()}
      />,
    );

    fireEvent.input(screen.getByLabelText("Model of cap 1"), { target: { value: "openai" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Name a model as provider/model, or every model of a provider as provider/*.")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Remove cap 1" }));
    fireEvent.input(screen.getByLabelText("Requests per minute, each user"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({ end_user_defaults: null, model_limits: null });
  });

  it("shows a developer the settings without a way to change them", () => {
    signIn(session("tok", userWithRole("developer")));
    render(<TenantSettingsForm tenant={TENANT} onSaved={vi.fn()} />);
    expect(screen.getByLabelText<HTMLSelectElement>("Time zone").disabled).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>("Model of cap 1").readOnly).toBe(true);
    expect(screen.queryByRole("button", { name: "Add a cap" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove cap 1" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
  });
});
