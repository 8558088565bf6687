import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { signIn } from "../../stores/auth";
import { providers } from "../../stores/providers";
import { fetchCall, jsonResponse, PROVIDER, routes, session, stubFetch, userWithRole } from "../../test/fetch";
import { MediaPlayground } from "./MediaPlayground";
import { playgroundKey } from "./playgroundKey";

const output = () => screen.getByTestId("media-output");
const choose = (kind: string) => fireEvent.change(screen.getByLabelText("Endpoint"), { target: { value: kind } });
const button = (name: string) => screen.getByRole<HTMLButtonElement>("button", { name });

function setup(key = "sk-agg-test") {
  signIn(session("tok", userWithRole("viewer")));
  providers.value = [{ ...PROVIDER, name: "demo", kind: "demo", models: ["image", "speech", "whisper", "moderation", "rerank"] }];
  playgroundKey.value = key;
  let made = 0;
  // Object URLs are faked so the test can see which ones are made and revoked.
  vi.spyOn(URL, "createObjectURL").mockImplementation(() => `blob:speech-${++made}`);
  const revoke = vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
  const view = render(<MediaPlayground />);
  return { revoke, unmount: view.unmount };
}

describe("media playground", () => {
  it("generates an image from b64_json and shows what it cost", async () => {
    setup();
    const fetchMock = stubFetch(async () => jsonResponse(200, { created: 1, data: [{ b64_json: "iVBORw0KGgo=" }] }, { "x-aggregator-cost-micros": "1250" }));
    fireEvent.input(screen.getByLabelText("Prompt"), { target: { value: "A lighthouse at dusk" } });
    expect(screen.getByLabelText<HTMLInputElement>("Model").value).toBe("demo/image");
    fireEvent.click(button("Generate image"));

    const image = await screen.findByRole<HTMLImageElement>("img", { name: "A lighthouse at dusk" });
    expect(image.getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(screen.getByText("Cost").nextElementSibling?.textContent).toBe("$0.00125");
    const sent = fetchCall(fetchMock);
    expect(sent.url).toBe("/v1/images/generations");
    expect(sent.headers.get("Authorization")).toBe("Bearer sk-agg-test");
    expect(sent.body).toEqual({ model: "demo/image", prompt: "A lighthouse at dusk", size: "256x256", response_format: "b64_json" });
  });

  it("speaks, then transcribes the speech it made as multipart speech.wav", async () => {
    const { revoke, unmount } = setup();
    const fetchMock = routes({
      "POST /v1/audio/speech": () => new Response("RIFF-demo-audio", { headers: { "Content-Type": "audio/wav", "x-aggregator-cost-micros": "30" } }),
      "POST /v1/audio/transcriptions": () => jsonResponse(200, { text: "hello gateway", usage: { type: "duration", seconds: 1 } }),
    });
    choose("transcription");
    expect(button("Transcribe").disabled).toBe(true); // nothing to transcribe yet
    expect(screen.getByText(/Make speech first/)).toBeTruthy();

    choose("speech");
    expect(screen.getByLabelText<HTMLInputElement>("Model").value).toBe("demo/speech");
    fireEvent.input(screen.getByLabelText("Text to speak"), { target: { value: "hello gateway" } });
    fireEvent.click(button("Speak"));
    await waitFor(() => expect(output().querySelector("audio")?.getAttribute("src")).toBe("blob:speech-1"));
    expect(fetchCall(fetchMock).body).toEqual({ model: "demo/speech", voice: "alloy", input: "hello gateway", response_format: "wav" });
    expect(screen.getByText("Cost").nextElementSibling?.textContent).toBe("$0.00003");

    choose("transcription");
    expect(screen.getByLabelText<HTMLInputElement>("Model").value).toBe("demo/whisper");
    fireEvent.click(button("Transcribe"));
    await waitFor(() => expect(output().textContent).toBe("hello gateway"));
    const sent = fetchCall(fetchMock, 1);
    expect(sent.headers.get("Authorization")).toBe("Bearer sk-agg-test");
    expect(sent.headers.has("Content-Type")).toBe(false); // fetch sets multipart with its boundary
    const form = sent.init.body;
    if (!(form instanceof FormData)) throw new Error("expected a multipart body");
    expect(form.get("model")).toBe("demo/whisper");
    const file = form.get("file");
    if (!(file instanceof File)) throw new Error("expected a file");
    expect(file.name).toBe("speech.wav");
    expect(file.type).toBe("audio/wav");
    expect(await file.text()).toBe("RIFF-demo-audio");
    expect(screen.queryByText("Cost")).toBeNull(); // this answer said nothing about cost

    expect(revoke).not.toHaveBeenCalled();
    unmount();
    await waitFor(() => expect(revoke).toHaveBeenCalledWith("blob:speech-1")); // Preact runs effect cleanups after the next paint
  });

  it("revokes the old audio's URL when new speech replaces it", async () => {
    const { revoke } = setup();
    routes({ "POST /v1/audio/speech": () => new Response("RIFF", { headers: { "Content-Type": "audio/wav" } }) });
    choose("speech");
    fireEvent.click(button("Speak"));
    await waitFor(() => expect(output().querySelector("audio")?.getAttribute("src")).toBe("blob:speech-1"));
    fireEvent.click(button("Speak"));
    await waitFor(() => expect(output().querySelector("audio")?.getAttribute("src")).toBe("blob:speech-2"));
    await waitFor(() => expect(revoke).toHaveBeenCalledWith("blob:speech-1"));
    expect(revoke).not.toHaveBeenCalledWith("blob:speech-2");
  });

  it("shows whether the input is flagged and which categories", async () => {
    setup();
    const fetchMock = stubFetch(async () =>
      jsonResponse(200, { id: "modr-1", results: [{ flagged: true, categories: { hate: false, violence: true, "illicit/violent": true } }] }),
    );
    choose("moderation");
    fireEvent.input(screen.getByLabelText("Text to check"), { target: { value: "attack with a bomb" } });
    fireEvent.click(button("Check"));

    expect(await screen.findByText("Flagged")).toBeTruthy();
    const categories = within(screen.getByRole("list", { name: "Flagged categories" })).getAllByRole("listitem");
    expect(categories.map((li) => li.textContent)).toEqual(["violence", "illicit/violent"]);
    expect(fetchCall(fetchMock).body).toEqual({ model: "demo/moderation", input: "attack with a bomb" });
  });

  it("says not flagged when no category is true", async () => {
    setup();
    stubFetch(async () => jsonResponse(200, { results: [{ flagged: false, categories: { hate: false } }] }));
    choose("moderation");
    fireEvent.click(button("Check"));
    expect(await screen.findByText("Not flagged")).toBeTruthy();
    expect(screen.queryByRole("list")).toBeNull();
  });

  it("reranks the textarea's non-empty lines and lists them in rank order", async () => {
    setup();
    const fetchMock = stubFetch(async () =>
      jsonResponse(200, {
        results: [
          { index: 2, relevance_score: 0.9 },
          { index: 0, relevance_score: 0.5 },
          { index: 1, relevance_score: 0.125 },
        ],
      }),
    );
    choose("rerank");
    fireEvent.input(screen.getByLabelText("Query"), { target: { value: "red fox" } });
    fireEvent.input(screen.getByLabelText("Documents"), { target: { value: "alpha doc\n\n  beta doc \ngamma doc\n" } });
    fireEvent.click(button("Rerank"));

    const items = await within(output()).findAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual(["gamma doc score 0.9", "alpha doc score 0.5", "beta doc score 0.125"]);
    expect(fetchCall(fetchMock).body).toEqual({ model: "demo/rerank", query: "red fox", documents: ["alpha doc", "beta doc", "gamma doc"], top_n: 3 });
  });

  it("shows the gateway's OpenAI-shaped error", async () => {
    setup();
    stubFetch(async () =>
      jsonResponse(404, { error: { message: "The model 'demo/nope' is not a image model.", type: "invalid_request_error", code: "model_not_found" } }),
    );
    fireEvent.input(screen.getByLabelText("Model"), { target: { value: "demo/nope" } });
    fireEvent.click(button("Generate image"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The model 'demo/nope' is not a image model.");
    expect(alert.textContent).toContain("404 · model_not_found");
    expect(screen.queryByRole("img")).toBeNull();
  });

  it("cannot call without the playground's key", () => {
    setup("");
    expect(screen.getByText(/Enter an API key in the playground above/)).toBeTruthy();
    expect(button("Generate image").disabled).toBe(true);
  });
});
