import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { apiErrorResponse, fetchCall, jsonResponse, session, stubFetch } from "../../test/fetch";
import { LatencyProbe } from "./LatencyProbe";

function setup(answer: () => Response) {
  signIn(session("tok"));
  const fetchMock = stubFetch(async () => answer());
  render(<LatencyProbe providerId="prv_openai" providerName="openai" />);
  return fetchMock;
}

const probeButton = () => screen.getByRole("button", { name: "Measure latency of openai" });
const outcome = () => screen.getByTestId("probe-prv_openai");

describe("latency probe", () => {
  it("calls the provider's test endpoint and announces the latency", async () => {
    const fetchMock = setup(() => jsonResponse(200, { ok: true, status: 200, latency_ms: 137, models: ["gpt-4o"] }));
    expect(outcome().getAttribute("aria-live")).toBe("polite");
    expect(outcome().textContent).toBe("");

    fireEvent.click(probeButton());
    await waitFor(() => expect(outcome().textContent).toContain("137 ms"));
    expect(outcome().textContent).toContain("Reachable");
    expect(outcome().textContent).toContain("HTTP 200");
    const sent = fetchCall(fetchMock);
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("/api/providers/prv_openai/test");
    expect(sent.headers.get("Authorization")).toBe("Bearer tok");
  });

  it("shows the upstream's failure with the time it took", async () => {
    setup(() => jsonResponse(200, { ok: false, status: 401, latency_ms: 88, error: "Incorrect API key provided." }));
    fireEvent.click(probeButton());
    await waitFor(() => expect(outcome().textContent).toContain("Failed"));
    expect(outcome().textContent).toContain("88 ms");
    expect(outcome().textContent).toContain("HTTP 401");
    expect(outcome().textContent).toContain("Incorrect API key provided.");
  });

  it("says when the provider did not answer at all", async () => {
    setup(() => jsonResponse(200, { ok: false, status: null, latency_ms: 10_000, error: "No answer within 10 s." }));
    fireEvent.click(probeButton());
    await waitFor(() => expect(outcome().textContent).toContain("no answer"));
    expect(outcome().textContent).toContain("10000 ms");
  });

  it("shows the API's refusal as an alert", async () => {
    setup(() => apiErrorResponse(403, "forbidden", "Your role (developer) may not do this: it needs 'providers:write'."));
    fireEvent.click(probeButton());
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("it needs 'providers:write'");
    expect(alert.textContent).toContain("403 · forbidden");
    expect(outcome().textContent).toBe("");
  });
});
