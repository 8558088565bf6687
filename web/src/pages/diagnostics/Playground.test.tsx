import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { signIn } from "../../stores/auth";
import { providers } from "../../stores/providers";
import { fetchCall, jsonResponse, PROVIDER, session, stubFetch, userWithRole } from "../../test/fetch";
import { chunk, controlledStream, streamResponse } from "../../test/stream";
import { Playground } from "./Playground";
import { playgroundKey } from "./playgroundKey";

const transcript = () => screen.getByTestId("transcript");

function setup() {
  signIn(session("tok", userWithRole("viewer")));
  providers.value = [{ ...PROVIDER, name: "demo", kind: "demo", models: ["echo", "lorem"] }];
  playgroundKey.value = "";
  let clock = 1000;
  vi.spyOn(performance, "now").mockImplementation(() => clock);
  render(<Playground />);
  return { setClock: (ms: number) => (clock = ms) };
}

describe("playground", () => {
  it("renders tokens as they arrive and shows the time to first token", async () => {
    const { setClock } = setup();
    const body = controlledStream();
    const fetchMock = stubFetch(async () => streamResponse(body.stream, { "x-aggregator-provider": "demo" }));

    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "sk-agg-test" } });
    expect(screen.getByLabelText<HTMLInputElement>("Model").value).toBe("demo/echo");
    fireEvent.click(screen.getByRole("button", { name: "Send" }));

    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const sent = fetchCall(fetchMock);
    expect(sent.url).toBe("/v1/chat/completions");
    expect(sent.headers.get("Authorization")).toBe("Bearer sk-agg-test");
    expect(sent.body).toMatchObject({ model: "demo/echo", stream: true, stream_options: { include_usage: true } });
    expect(transcript().getAttribute("aria-busy")).toBe("true");

    setClock(1042);
    body.push(chunk("Hel"));
    await waitFor(() => expect(transcript().textContent).toBe("Hel"));
    expect(screen.getByText("42 ms")).toBeTruthy(); // time to first token, before the answer is complete
    expect(screen.getByRole("button", { name: "Stop" })).toBeTruthy();

    setClock(1060);
    body.push(chunk("lo, "));
    body.push(chunk("gateway!"));
    await waitFor(() => expect(transcript().textContent).toBe("Hello, gateway!"));

    setClock(1100);
    body.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
    body.push(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } })}\n\n`);
    body.push("data: [DONE]\n\n");
    body.close();

    expect(await screen.findByText("100 ms")).toBeTruthy(); // total
    expect(screen.getByText("stop")).toBeTruthy();
    expect(screen.getByText("4 in · 3 out")).toBeTruthy();
    expect(screen.getByText("demo", { selector: "dd" })).toBeTruthy();
    expect(transcript().getAttribute("aria-busy")).toBe("false");
  });

  it("shows the gateway's error in the OpenAI format", async () => {
    setup();
    stubFetch(async () => jsonResponse(401, { error: { message: "Invalid API key.", type: "invalid_request_error", code: "invalid_api_key", param: null } }));
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "sk-agg-wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Invalid API key.");
    expect(alert.textContent).toContain("invalid_api_key");
  });

  it("reports an error event in the middle of the stream", async () => {
    setup();
    const body = controlledStream();
    stubFetch(async () => streamResponse(body.stream));
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "sk" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    body.push(chunk("partial"));
    body.push(`data: ${JSON.stringify({ error: { message: "upstream failed", code: "upstream_error" } })}\n\n`);
    body.close();
    expect((await screen.findByRole("alert")).textContent).toContain("upstream failed");
    expect(transcript().textContent).toBe("partial");
  });

  it("cannot send without a key; the key lives in memory, not in storage", () => {
    setup();
    expect(screen.getByRole("button", { name: "Send" }).hasAttribute("disabled")).toBe(true);
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "sk-agg-secret" } });
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain("sk-agg-secret");
    expect(screen.queryByRole("button", { name: "Create a key for one hour" })).toBeNull(); // viewer
  });
});
