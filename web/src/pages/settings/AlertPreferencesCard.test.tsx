import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { AlertPreferences } from "../../api/types";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { AlertPreferencesCard } from "./AlertPreferencesCard";
import { ALERT_PERMISSION as WORKER_ALERT_PERMISSION } from "../../../../worker/core/alert-types.ts";
import { ALERT_PERMISSION, preferencesBody, preferencesFrom, toggle, validatePreferences } from "./alertPreferencesForm";

const DEFAULTS: AlertPreferences = {
  push: ["budget.threshold_crossed", "balance.low", "provider.down", "provider.recovered"],
  email: [],
  quiet_hours: null,
  language: "en",
};

describe("alert preferences", () => {
  it("shows the types the role receives by channel, and saves a choice with quiet hours and a language", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = routes({
      "GET /api/notifications/preferences": () => jsonResponse(200, DEFAULTS),
      "PUT /api/notifications/preferences": (c) => jsonResponse(200, c.body),
    });
    render(<AlertPreferencesCard />);
    const lowByMail = await screen.findByLabelText<HTMLInputElement>("Balance low: E-mail");
    expect(lowByMail.checked).toBe(false);
    expect(screen.getByLabelText<HTMLInputElement>("Balance low: Devices").checked).toBe(true);
    fireEvent.click(lowByMail);
    fireEvent.click(screen.getByLabelText("Provider recovered: Devices"));
    fireEvent.click(screen.getByLabelText("Quiet hours"));
    fireEvent.input(screen.getByLabelText("From"), { target: { value: "23:00" } });
    fireEvent.change(screen.getByLabelText("Time zone"), { target: { value: "Asia/Tokyo" } });
    fireEvent.change(screen.getByLabelText("Language of alerts"), { target: { value: "ru" } });
    fireEvent.click(screen.getByRole("button", { name: "Save alert preferences" }));
    await screen.findByText("Saved.");
    expect(allCalls(fetchMock).find((c) => c.method === "PUT")?.body).toEqual({
      push: ["budget.threshold_crossed", "balance.low", "provider.down"],
      email: ["balance.low"],
      quiet_hours: { start: "23:00", end: "07:00", time_zone: "Asia/Tokyo" },
      language: "ru",
    });
  });

  it("offers a developer only the provider alerts their role receives", async () => {
    signIn(session("tok", userWithRole("developer")));
    routes({ "GET /api/notifications/preferences": () => jsonResponse(200, DEFAULTS) });
    render(<AlertPreferencesCard />);
    await screen.findByLabelText("Provider down: Devices");
    expect(screen.queryByLabelText("Balance low: Devices")).toBeNull();
  });

  it("refuses quiet hours that start and end together, and sends nothing", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = routes({
      "GET /api/notifications/preferences": () => jsonResponse(200, { ...DEFAULTS, quiet_hours: { start: "22:00", end: "07:00", time_zone: "UTC" } }),
    });
    render(<AlertPreferencesCard />);
    fireEvent.input(await screen.findByLabelText("Until"), { target: { value: "22:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Save alert preferences" }));
    await waitFor(() => expect(screen.getByText("Choose an end different from the start.")).toBeTruthy());
    expect(allCalls(fetchMock).filter((c) => c.method === "PUT")).toEqual([]);
  });

  it("offers each type to the roles the API sends it to (worker/core/alert-types.ts)", () => {
    expect(ALERT_PERMISSION).toEqual(WORKER_ALERT_PERMISSION);
  });

  it("keeps the types in order, and turns quiet hours off as null", () => {
    const values = preferencesFrom(DEFAULTS, "Europe/Paris");
    expect(values).toMatchObject({ quiet: false, start: "22:00", end: "07:00", timeZone: "Europe/Paris" });
    const mailed = toggle(toggle(values, "email", "provider.down", true), "email", "balance.low", true);
    expect(mailed.email).toEqual(["balance.low", "provider.down"]);
    expect(preferencesBody(mailed).quiet_hours).toBeNull();
    expect(validatePreferences({ ...values, quiet: true, start: "7:00" })).toEqual({ start: "alerts.quietTime" });
  });
});
