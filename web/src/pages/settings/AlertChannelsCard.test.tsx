import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { AlertChannelsCard, urlProblem } from "./AlertChannelsCard";

const SETTINGS = {
  webhook_url: "https://hooks.example.com/alerts",
  slack_webhook_url: null,
  slack_language: "en" as const,
  webhook_secret: "whsec_123",
  low_balance_micros: null,
  default_low_balance_micros: 5_000_000,
  alert_thresholds: [50, 80, 100],
};

describe("alert channels of the tenant", () => {
  it("saves a Slack webhook in Russian, clears the webhook, and shows the signing secret", async () => {
    signIn(session("tok", userWithRole("admin")));
    const fetchMock = routes({
      "GET /api/notifications/settings": () => jsonResponse(200, SETTINGS),
      "PUT /api/notifications/settings": (c) => jsonResponse(200, { ...SETTINGS, ...(c.body as object) }),
    });
    render(<AlertChannelsCard />);
    expect((await screen.findByLabelText<HTMLInputElement>("Webhook signing secret")).value).toBe("whsec_123");
    fireEvent.input(screen.getByLabelText("Slack incoming webhook"), { target: { value: " https://hooks.slack.com/services/T/B/x " } });
    fireEvent.input(screen.getByLabelText("Webhook"), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText("Language of the Slack messages"), { target: { value: "ru" } });
    fireEvent.click(screen.getByRole("button", { name: "Save channels" }));
    await screen.findByText("Saved.");
    expect(allCalls(fetchMock).find((c) => c.method === "PUT")?.body).toEqual({
      webhook_url: null,
      slack_webhook_url: "https://hooks.slack.com/services/T/B/x",
      slack_language: "ru",
    });
  });

  it("says what is wrong with a URL, here or from the server", async () => {
    signIn(session("tok", userWithRole("admin")));
    routes({
      "GET /api/notifications/settings": () => jsonResponse(200, SETTINGS),
      "PUT /api/notifications/settings": () => apiErrorResponse(400, "url_not_allowed", "slack_webhook_url: internal addresses are not allowed."),
    });
    render(<AlertChannelsCard />);
    const slack = await screen.findByLabelText("Slack incoming webhook");
    fireEvent.input(slack, { target: { value: "hooks.slack.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Save channels" }));
    expect(await screen.findByText("Enter a full http(s) URL, or leave it empty.")).toBeTruthy();
    fireEvent.input(slack, { target: { value: "http://10.0.0.1/hook" } });
    fireEvent.click(screen.getByRole("button", { name: "Save channels" }));
    expect(await screen.findByText(/internal addresses are not allowed/)).toBeTruthy();
  });

  it("takes an empty field or an http(s) URL", () => {
    expect(urlProblem("")).toBeNull();
    expect(urlProblem("https://x.example/y")).toBeNull();
    expect(urlProblem("ftp://x.example/y")).toBe("channels.urlInvalid");
  });
});
