import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../stores/auth";
import { routes, session, userWithRole } from "../test/fetch";
import { controlledStream, streamResponse } from "../test/stream";
import { NotificationCenter } from "./NotificationCenter";

const lowBalance = {
  id: "ntf_9",
  seq: 9,
  type: "balance.low",
  tenant_id: "ten_1",
  message: "The balance is $4.00, below the low-balance threshold of $5.00.",
  data: { balance_micros: 4_000_000, threshold_micros: 5_000_000 },
  created_at: "2026-11-24T10:00:00.000Z",
};

const providerAlert = (seq: number, type: "provider.down" | "provider.recovered", data: Record<string, number | string>) => ({
  id: `ntf_${seq}`,
  seq,
  type,
  tenant_id: "ten_1",
  message: "x",
  data: { provider_id: "prv_1", provider_name: "openai", ...data },
  created_at: "2026-11-24T10:00:00.000Z",
});
const frame = (n: { seq: number }) => `id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;

describe("notification toasts", () => {
  it("shows a pushed alert as a toast, in the reader’s words, until dismissed", async () => {
    signIn(session("tok"));
    const body = controlledStream();
    const fetchMock = routes({ "GET /api/notifications/stream": () => streamResponse(body.stream) });
    render(<NotificationCenter />);
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    expect(new Headers(fetchMock.mock.calls[0]?.[1]?.headers).get("Accept")).toBe("text/event-stream");
    body.push(`id: 9\nevent: notification\ndata: ${JSON.stringify(lowBalance)}\n\n`);
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Low balance");
    expect(toast.textContent).toContain("The balance is $4.00, below $5.00.");
    expect(sessionStorage.getItem("aggregator.notifications.seq.ten_1")).toBe("9");
    fireEvent.click(screen.getByRole("button", { name: "Dismiss “Low balance”" }));
    expect(screen.queryByTestId("toast")).toBeNull();
    body.close();
  });

  it("shows a provider going down as an error toast, replaced by a success toast when it recovers", async () => {
    signIn(session("tok"));
    const body = controlledStream();
    routes({ "GET /api/notifications/stream": () => streamResponse(body.stream) });
    render(<NotificationCenter />);
    body.push(frame(providerAlert(10, "provider.down", { reason: "503", failures: 5, samples: 6 })));
    const down = await screen.findByTestId("toast");
    expect(down.className).toContain("danger");
    expect(down.textContent).toContain("Provider openai is down");
    expect(down.textContent).toContain("5 of 6 recent calls failed (last: HTTP 503).");
    expect(screen.getByRole("link", { name: "Open providers" }).getAttribute("href")).toBe("/providers");

    body.push(frame(providerAlert(11, "provider.recovered", { down_since: "2026-11-24T10:00:00.000Z" })));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toContain("Provider openai recovered"));
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
    expect(screen.getByTestId("toast").className).toContain("success");
    expect(sessionStorage.getItem("aggregator.notifications.seq.ten_1")).toBe("11");
    body.close();
  });

  it("does not listen for roles without billing", () => {
    signIn(session("tok", userWithRole("developer")));
    const fetchMock = routes({});
    render(<NotificationCenter />);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByRole("region", { name: "Notifications" })).toBeTruthy();
  });
});
