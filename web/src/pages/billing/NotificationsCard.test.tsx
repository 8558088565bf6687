import { render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { jsonResponse, routes, session } from "../../test/fetch";
import { NotificationsCard } from "./NotificationsCard";

const provider = { provider_id: "prv_1", provider_name: "openai" };
const alerts = [
  {
    id: "n2",
    seq: 2,
    type: "provider.recovered",
    tenant_id: "ten_1",
    message: "x",
    data: { ...provider, down_since: "2026-11-24T10:00:00.000Z" },
    created_at: "2026-11-24T10:05:00.000Z",
  },
  {
    id: "n1",
    seq: 1,
    type: "provider.down",
    tenant_id: "ten_1",
    message: "x",
    data: { ...provider, reason: "timeout", failures: 4, samples: 5 },
    created_at: "2026-11-24T10:00:00.000Z",
  },
];

describe("recent alerts", () => {
  it("lists a provider going down and coming back", async () => {
    signIn(session("tok"));
    routes({ "GET /api/notifications": () => jsonResponse(200, { data: alerts }) });
    render(<NotificationsCard />);
    const recovered = await screen.findByText("Provider openai recovered");
    expect(recovered.className).toBe("badge ok");
    const down = screen.getByText("Provider openai is down");
    expect(down.className).toBe("badge bad");
    expect(screen.getByText(/4 of 5 recent calls failed \(last: timed out\)/)).toBeTruthy();
  });

  it("shows where each alert went and how that went", async () => {
    signIn(session("tok"));
    const deliveries = [
      { channel: "email", label: "ann@example.com", status: "delivered", attempts: 1, last_error: null },
      { channel: "push", label: "ann@example.com: Pixel", status: "failed", attempts: 1, last_error: "the device unsubscribed; it was removed" },
      { channel: "slack", label: "Slack", status: "pending", attempts: 2, last_error: "HTTP 503" },
    ];
    routes({ "GET /api/notifications": () => jsonResponse(200, { data: [{ ...alerts[1], deliveries }] }) });
    render(<NotificationsCard />);
    const list = await screen.findByRole("list", { name: "Deliveries" });
    const items = [...list.querySelectorAll("li")].map((li) => li.textContent);
    expect(items).toEqual([
      "E-mail · ann@example.com delivered",
      "Device · ann@example.com: Pixel failed the device unsubscribed; it was removed",
      "Slack · Slack pending",
    ]);
    expect(screen.getByText("failed").className).toBe("badge bad");
  });
});
