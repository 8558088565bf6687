import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { TenantSettings } from "../../api/types";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { LogsSettingsForm } from "./LogsSettingsForm";

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
  redaction: { off: ["phone"], custom: [{ name: "ticket", pattern: "TCK-[0-9]{6}" }] },
  otlp_endpoint: "https://otlp.example.com",
  otlp_header_names: ["x-honeycomb-team", "x-dataset"],
  time_zone: "UTC",
  end_user_defaults: null,
  model_limits: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
};

const echo = () => routes({ "PATCH /api/tenant": (c) => jsonResponse(200, { ...TENANT, ...(c.body as object) }) });
const checkbox = (name: string) => screen.getByRole<HTMLInputElement>("checkbox", { name });
const input = (label: string) => screen.getByLabelText<HTMLInputElement>(label);

describe("logs and traces settings", () => {
  it("shows the tenant's settings, the collector's header names but never a value, and a link to the logs", () => {
    signIn(session("tok", userWithRole("owner")));
    render(<LogsSettingsForm tenant={TENANT} onSaved={vi.fn()} />);

    expect(input("Keep captured bodies (days)").value).toBe("30");
    expect(checkbox("Email addresses").checked).toBe(true);
    expect(checkbox("Phone numbers").checked).toBe(false);
    expect(input("Name of pattern 1").value).toBe("ticket");
    expect(input("Pattern 1").value).toBe("TCK-[0-9]{6}");
    expect(input("OTLP collector").value).toBe("https://otlp.example.com");
    const headers = screen.getByRole("group", { name: "Collector headers" });
    expect(headers.textContent).toContain("x-honeycomb-team, x-dataset");
    expect(within(headers).queryByLabelText("Value of header 1")).toBeNull();
    expect(screen.getByRole("link", { name: "Open the logs" }).getAttribute("href")).toBe("/logs");
  });

  it("sends retention, redaction and the endpoint, and leaves the stored headers alone", async () => {
    signIn(session("tok", userWithRole("admin")));
    const fetchMock = echo();
    const onSaved = vi.fn();
    render(<LogsSettingsForm tenant={TENANT} onSaved={onSaved} />);

    fireEvent.input(input("Keep captured bodies (days)"), { target: { value: "7" } });
    fireEvent.click(checkbox("Email addresses"));
    fireEvent.click(checkbox("Phone numbers"));
    fireEvent.click(screen.getByRole("button", { name: "Add a pattern" }));
    fireEvent.input(input("Name of pattern 2"), { target: { value: "order" } });
    fireEvent.input(input("Pattern 2"), { target: { value: "ord_[a-z0-9]+" } });
    fireEvent.input(input("Flags of pattern 2"), { target: { value: "i" } });
    fireEvent.input(input("OTLP collector"), { target: { value: " https://api.honeycomb.io " } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toEqual({
      log_retention_days: 7,
      redaction: {
        off: ["email"],
        custom: [
          { name: "ticket", pattern: "TCK-[0-9]{6}" },
          { name: "order", pattern: "ord_[a-z0-9]+", flags: "i" },
        ],
      },
      otlp_endpoint: "https://api.honeycomb.io",
    });
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
  });

  it("sends null for every rule on with no patterns, and for no collector", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = echo();
    render(<LogsSettingsForm tenant={TENANT} onSaved={vi.fn()} />);

    fireEvent.click(checkbox("Phone numbers"));
    fireEvent.click(screen.getByRole("button", { name: "Remove pattern 1" }));
    fireEvent.input(input("OTLP collector"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toEqual({ log_retention_days: 30, redaction: null, otlp_endpoint: null });
  });

  it("replaces the stored headers with new pairs, or removes them with null", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = echo();
    render(<LogsSettingsForm tenant={TENANT} onSaved={vi.fn()} />);

    fireEvent.click(screen.getByRole("button", { name: "Add a header" }));
    const value = input("Value of header 1");
    expect(value.value).toBe("");
    expect(value.type).toBe("password");
    fireEvent.input(input("Name of header 1"), { target: { value: "authorization" } });
    fireEvent.input(value, { target: { value: "Bearer otlp-secret" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(allCalls(fetchMock)[0]?.body).toMatchObject({ otlp_headers: { authorization: "Bearer otlp-secret" } });
    // Sent once: the typed value is gone from the form.
    expect(screen.queryByLabelText("Value of header 1")).toBeNull();
    expect(document.body.innerHTML).not.toContain("otlp-secret");

    fireEvent.click(checkbox("Remove the stored headers"));
    expect(screen.queryByRole("button", { name: "Add a header" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(allCalls(fetchMock)).toHaveLength(2));
    expect(allCalls(fetchMock)[1]?.body).toMatchObject({ otlp_headers: null });
  });

  it("checks the fields before calling the API", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = routes({});
    render(<LogsSettingsForm tenant={{ ...TENANT, otlp_header_names: null }} onSaved={vi.fn()} />);

    fireEvent.input(input("Keep captured bodies (days)"), { target: { value: "366" } });
    fireEvent.input(input("Pattern 1"), { target: { value: "(unclosed" } });
    fireEvent.input(input("OTLP collector"), { target: { value: "ftp://collector" } });
    fireEvent.click(screen.getByRole("button", { name: "Add a header" }));
    fireEvent.input(input("Name of header 1"), { target: { value: "Content-Type" } });
    fireEvent.input(input("Value of header 1"), { target: { value: "text/plain" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Use a whole number from 1 to 365.")).toBeTruthy();
    expect(screen.getByText("Enter a valid regular expression of 1 to 200 characters.")).toBeTruthy();
    expect(input("Pattern 1").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Enter an http(s) URL, or leave it empty.")).toBeTruthy();
    expect(screen.getByText("The gateway sets this header itself.")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the API's objection to a pattern at that pattern", async () => {
    signIn(session("tok", userWithRole("owner")));
    routes({
      "PATCH /api/tenant": () =>
        apiErrorResponse(
          400,
          "invalid_request",
          "Invalid 'redaction.custom': Pattern 2: a repeated group may not itself end in a repeat ((a+)+ and the like).",
          {
            param: "redaction.custom",
          },
        ),
    });
    render(<LogsSettingsForm tenant={TENANT} onSaved={vi.fn()} />);

    fireEvent.click(screen.getByRole("button", { name: "Add a pattern" }));
    fireEvent.input(input("Name of pattern 2"), { target: { value: "evil" } });
    fireEvent.input(input("Pattern 2"), { target: { value: "(a+)+$" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    const message = await screen.findByText("a repeated group may not itself end in a repeat ((a+)+ and the like).");
    expect(input("Pattern 2").getAttribute("aria-invalid")).toBe("true");
    expect(input("Pattern 2").getAttribute("aria-describedby")).toBe(message.id);
    expect(input("Pattern 1").getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();

    // Editing the pattern clears the objection until the next save.
    fireEvent.input(input("Pattern 2"), { target: { value: "a+$" } });
    expect(screen.queryByText("a repeated group may not itself end in a repeat ((a+)+ and the like).")).toBeNull();
  });

  it("shows a developer the settings and header names without a way to change them", () => {
    signIn(session("tok", userWithRole("developer")));
    render(<LogsSettingsForm tenant={TENANT} onSaved={vi.fn()} />);

    expect(screen.getByText("Only owners and admins can change these.")).toBeTruthy();
    expect(input("Keep captured bodies (days)").readOnly).toBe(true);
    expect(checkbox("Email addresses").disabled).toBe(true);
    expect(input("Pattern 1").readOnly).toBe(true);
    expect(input("OTLP collector").readOnly).toBe(true);
    expect(screen.getByRole("group", { name: "Collector headers" }).textContent).toContain("x-honeycomb-team, x-dataset");
    for (const name of ["Add a pattern", "Remove pattern 1", "Add a header", "Save"]) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.queryByRole("checkbox", { name: "Remove the stored headers" })).toBeNull();
  });
});
