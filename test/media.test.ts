// Images, audio, moderation and rerank (issue 17) through the one call pipeline, with the
// official `openai` SDK against the demo provider and the mock upstream: each billed in its own
// unit, to the micro-dollar, in x-aggregator-cost-micros, the request log and the balance; the
// platform's models unpriced in a unit refused; fallback along a route; bad input refused in
// OpenAI's error shape.
import { env } from "cloudflare:workers";
import OpenAI, { toFile } from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN, TENANT_ID } from "./kit/fixtures.ts";
import { gatewayFetch, mockBase, settle, settledGateStatus, tag, upstream } from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

let operator: Member;
let tenant: { id: string; key: string };
let openaiSdk: OpenAI;
let openAIPlatform: { name: string };
let compatPlatform: { name: string };
let geminiPlatform: { name: string };

// OpenAI's list prices in µ$: dall-e-3 $0.04 an image, $0.08 at hd; tts-1 $15 per million
// characters; whisper-1 $0.006 a minute; moderation free. Rerank: $2 per thousand searches.
const DALL_E_PRICE = { per_image_micros: 40_000, image_prices: { "1024x1024/hd": 80_000 } };
const TTS_PRICE = { per_mchar_micros: 15_000_000 };
const WHISPER_PRICE = { per_audio_second_micros: 100 };
const RERANK_PRICE = { per_search_unit_micros: 2_000 };

async function platformProvider(kind: "openai" | "openai-compatible" | "gemini", models: string[]): Promise<{ name: string }> {
  const flavor = kind === "gemini" ? "gemini" : "openai";
  const body = { name: tag(), kind, base_url: mockBase(flavor), api_key: UPSTREAM_KEYS[flavor], models, scope: "platform" };
  const res = await call("/api/providers", jsonInit(body, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ name: string }>(res);
}

async function platformPrice(model: string, price: Record<string, unknown>): Promise<void> {
  const res = await call(
    "/api/prices",
    jsonInit({ model, input_per_mtok_micros: 0, output_per_mtok_micros: 0, ...price, scope: "platform" }, operator.headers),
  );
  expect(res.status, await res.clone().text()).toBe(201);
}

const model = (m: string) => `${openAIPlatform.name}/${m}`;

beforeAll(async () => {
  operator = await createMember("owner", TENANT_ID, { operator: true });
  openAIPlatform = await platformProvider("openai", [
    "dall-e-3",
    "gpt-image-1",
    "tts-1",
    "whisper-1",
    "omni-moderation-latest",
    "fail-500-img",
    "dall-e-unpriced",
  ]);
  compatPlatform = await platformProvider("openai-compatible", ["jina-reranker"]);
  geminiPlatform = await platformProvider("gemini", ["imagen-4.0-generate-001"]);
  await Promise.all([
    platformPrice(model("dall-e-3"), DALL_E_PRICE),
    platformPrice(model("fail-500-img"), DALL_E_PRICE),
    // gpt-image-1: $5 / M input and $40 / M output tokens, as the provider reports them; per image
    // where it reports none.
    platformPrice(model("gpt-image-1"), { input_per_mtok_micros: 5_000_000, output_per_mtok_micros: 40_000_000, per_image_micros: 167_000 }),
    platformPrice(model("tts-1"), TTS_PRICE),
    platformPrice(model("whisper-1"), WHISPER_PRICE),
    platformPrice(model("omni-moderation-latest"), { per_request_micros: 0 }),
    // Priced per token only: an image answer without usage would cost nothing, so it is refused.
    platformPrice(model("dall-e-unpriced"), { input_per_mtok_micros: 1_000_000 }),
    platformPrice(`${compatPlatform.name}/jina-reranker`, RERANK_PRICE),
    platformPrice(`${geminiPlatform.name}/imagen-4.0-generate-001`, { per_image_micros: 40_000 }),
  ]);
  const id = await createTenant("Media user");
  const owner = await createMember("owner", id);
  const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "media" }, owner.headers)));
  await grantCredit(id, 10_000_000);
  tenant = { id, key };
  openaiSdk = new OpenAI({ apiKey: key, baseURL: `${ORIGIN}/v1`, maxRetries: 0, fetch: (input, init) => gatewayFetch(new Request(input, init)) });
});

const gate = () => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant.id));

/** The tenant's balance once every call so far is settled. */
async function balance(): Promise<number> {
  await settledGateStatus(tenant.id);
  return (await gate().reconcile(tenant.id)).balanceMicros;
}

const asTenant = (path: string, body: unknown) => gatewayFetch(new Request(`${ORIGIN}${path}`, jsonInit(body, { authorization: `Bearer ${tenant.key}` })));
const upload = (path: string, form: FormData) =>
  gatewayFetch(new Request(`${ORIGIN}${path}`, { method: "POST", body: form, headers: { authorization: `Bearer ${tenant.key}` } }));

const cost = (res: Response) => Number(res.headers.get("x-aggregator-cost-micros"));

interface UnitLogRow {
  status: number;
  endpoint: string;
  unit: string | null;
  units: number;
  units_cost_micros: number;
  cost_micros: number;
  input_tokens: number;
  output_tokens: number;
}

async function unitRow(res: Response): Promise<UnitLogRow> {
  await settle();
  await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenant.id)).flush();
  const id = res.headers.get("x-request-id");
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare("SELECT * FROM request_log WHERE id = ?").bind(id).first<UnitLogRow>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request_log row for ${id}`);
}

/** A silent PCM16 mono WAV at 8 kHz of `samples` samples. */
function pcmWav(samples: number): Uint8Array {
  const wav = new Uint8Array(44 + samples * 2);
  const view = new DataView(wav.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 8000, true);
  view.setUint32(28, 16_000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  return wav;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (bytes: Uint8Array) => PNG_SIGNATURE.every((b, i) => bytes[i] === b);
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

describe("the demo provider: every endpoint without a key", () => {
  it("draws PNGs billed per image, and the SDK reads them", async () => {
    const { data, response } = await openaiSdk.images.generate({ model: "demo/image", prompt: "a lighthouse", n: 2, size: "256x256" }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(isPng(fromBase64(data.data![0]!.b64_json!))).toBe(true);
    expect(cost(response)).toBe(2_000);
    expect(await unitRow(response)).toMatchObject({ endpoint: "images.generations", unit: "image", units: 2, units_cost_micros: 2_000, cost_micros: 2_000 });
  });

  it("speaks a WAV billed per character that demo/whisper transcribes back, billed per second", async () => {
    const text = "Hello, gateway: ünïcode ✓";
    const { data, response } = await openaiSdk.audio.speech
      .create({ model: "demo/speech", voice: "alloy", input: text, response_format: "wav" })
      .withResponse();
    expect(response.headers.get("content-type")).toBe("audio/wav");
    expect(cost(response)).toBe([...text].length);
    const wav = new Uint8Array(await data.arrayBuffer());
    expect(String.fromCharCode(...wav.slice(0, 4))).toBe("RIFF");
    const transcript = await openaiSdk.audio.transcriptions
      .create({ model: "demo/whisper", file: await toFile(wav, "hello.wav", { type: "audio/wav" }) })
      .withResponse();
    expect(transcript.data.text).toBe(text);
    const row = await unitRow(transcript.response);
    expect(row).toMatchObject({ endpoint: "audio.transcriptions", unit: "audio_second" });
    expect(row.units).toBeGreaterThan(0);
    expect(cost(transcript.response)).toBe(row.units * 10);
  });

  it("moderates and reranks", async () => {
    const moderation = await openaiSdk.moderations.create({ model: "demo/moderation", input: ["I will kill you", "hello"] });
    expect(moderation.results.map((r) => r.flagged)).toEqual([true, false]);
    expect(moderation.results[0]!.categories.violence).toBe(true);
    const res = await asTenant("/v1/rerank", { model: "demo/rerank", query: "red fruit", documents: ["a blue car", "a red fruit basket", "green"], top_n: 2 });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await json<{ results: { index: number; relevance_score: number }[] }>(res);
    expect(body.results).toHaveLength(2);
    expect(body.results[0]!.index).toBe(1);
    expect(cost(res)).toBe(100);
  });
});

describe("OpenAI providers: the SDK unchanged, each unit billed exactly", () => {
  it("bills images per size and quality, speech per character, transcription per second, moderation at 0, and the balance moves by exactly that", async () => {
    const before = await balance();
    const image = await openaiSdk.images.generate({ model: model("dall-e-3"), prompt: "a cat", n: 2, size: "1024x1024", quality: "hd" }).withResponse();
    expect(image.data.data).toHaveLength(2);
    expect(cost(image.response)).toBe(160_000);

    const input = "Twenty-six characters long";
    const speech = await openaiSdk.audio.speech.create({ model: model("tts-1"), voice: "alloy", input, response_format: "wav" }).withResponse();
    const audio = new Uint8Array(await speech.data.arrayBuffer());
    expect(String.fromCharCode(...audio.slice(0, 4))).toBe("RIFF");
    // 26 characters at $15 / M = 390 µ$
    expect(cost(speech.response)).toBe(390);

    const transcript = await openaiSdk.audio.transcriptions
      .create({ model: model("whisper-1"), file: await toFile(audio, "speech.wav", { type: "audio/wav" }) })
      .withResponse();
    expect(typeof transcript.data.text).toBe("string");
    const seconds = (await unitRow(transcript.response)).units;
    expect(seconds).toBeGreaterThan(0);
    expect(cost(transcript.response)).toBe(seconds * 100);

    const moderation = await openaiSdk.moderations.create({ model: model("omni-moderation-latest"), input: "kill the lights" }).withResponse();
    expect(moderation.data.results).toHaveLength(1);
    expect(cost(moderation.response)).toBe(0);

    const spent = cost(image.response) + cost(speech.response) + cost(transcript.response);
    expect(before - (await balance())).toBe(spent);
  });

  it("bills gpt-image by the tokens the provider reports, and edits a PNG sent as multipart", async () => {
    const { data, response } = await openaiSdk.images.generate({ model: model("gpt-image-1"), prompt: "one two three", quality: "low" }).withResponse();
    expect(data.usage).toBeDefined();
    const row = await unitRow(response);
    const expected = Math.ceil((data.usage!.input_tokens * 5_000_000 + data.usage!.output_tokens * 40_000_000) / 1_000_000);
    expect(row.output_tokens).toBe(data.usage!.output_tokens);
    expect(cost(response)).toBe(expected);
    expect(row.units_cost_micros).toBe(0);

    const png = fromBase64(data.data![0]!.b64_json!);
    const edited = await openaiSdk.images
      .edit({ model: model("dall-e-3"), prompt: "add a hat", image: await toFile(png, "cat.png", { type: "image/png" }) })
      .withResponse();
    expect(edited.data.data).toHaveLength(1);
    expect(cost(edited.response)).toBe(40_000);
    const [sent] = await upstream("dall-e-3", { flavor: "openai" }).then((r) => r.filter((q) => q.path === "/v1/images/edits"));
    expect(sent, "the edit reached the provider as multipart").toBeDefined();
    expect(sent!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
  });

  it("translates to text as the provider sends it, billed by the seconds in the file's header", async () => {
    // A 2.5 s WAV: 8 kHz, 16-bit mono.
    const wav = pcmWav(20_000);
    const form = new FormData();
    form.set("model", model("whisper-1"));
    form.set("response_format", "text");
    form.set("file", new File([wav], "french.wav", { type: "audio/wav" }));
    const res = await upload("/v1/audio/translations", form);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(`translated ${wav.length} bytes of french.wav\n`);
    // 2.5 s → 3 seconds at $0.006 a minute.
    expect(cost(res)).toBe(300);
    expect(await unitRow(res)).toMatchObject({ endpoint: "audio.translations", unit: "audio_second", units: 3 });
  });

  it("draws on Gemini's Imagen, the size as its nearest aspect ratio", async () => {
    const { data, response } = await openaiSdk.images
      .generate({ model: `${geminiPlatform.name}/imagen-4.0-generate-001`, prompt: "a wide view", n: 2, size: "1792x1024" })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(isPng(fromBase64(data.data![0]!.b64_json!))).toBe(true);
    expect(cost(response)).toBe(80_000);
    const [sent] = await upstream("imagen-4.0-generate-001", { flavor: "gemini" });
    expect(sent!.path).toBe("/v1beta/models/imagen-4.0-generate-001:predict");
    expect(sent!.body).toMatchObject({ instances: [{ prompt: "a wide view" }], parameters: { sampleCount: 2, aspectRatio: "16:9" } });
  });

  it("reranks on an openai-compatible host per search unit", async () => {
    const documents = Array.from({ length: 150 }, (_, i) => `document ${i} about ${i % 2 ? "cats" : "dogs"}`);
    const res = await asTenant("/v1/rerank", { model: `${compatPlatform.name}/jina-reranker`, query: "cats", documents, top_n: 3 });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await json<{ results: unknown[]; usage: { total_tokens: number; cost: number } }>(res);
    expect(body.results).toHaveLength(3);
    // 150 documents: two search units at $0.002.
    expect(cost(res)).toBe(4_000);
    expect(body.usage.cost).toBe(0.004);
  });

  it("falls back along a route when the first image provider fails", async () => {
    const owner = await createMember("admin", tenant.id);
    const alias = tag();
    const route = await call("/api/routes", jsonInit({ alias, targets: [{ model: model("fail-500-img") }, { model: model("dall-e-3") }] }, owner.headers));
    expect(route.status, await route.clone().text()).toBe(201);
    const res = await asTenant("/v1/images/generations", { model: alias, prompt: "fallback" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-aggregator-attempts")).toMatch(/fail-500-img.*dall-e-3/);
    expect(cost(res)).toBe(40_000);
  });
});

describe("no free ride and bad input", () => {
  it("refuses a platform model without a price in the call's unit, and calls no provider", async () => {
    const res = await asTenant("/v1/images/generations", { model: model("dall-e-unpriced"), prompt: "free art" });
    expect(res.status).toBe(400);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe("model_not_priced");
    expect(await upstream("dall-e-unpriced")).toHaveLength(0);
  });

  it("refuses a model whose provider kind lacks the endpoint", async () => {
    const res = await asTenant("/v1/audio/speech", { model: "demo/echo", voice: "alloy", input: "hi" });
    expect([400, 404]).toContain(res.status);
    const rerank = await asTenant("/v1/rerank", { model: model("dall-e-3"), query: "q", documents: ["d"] });
    expect(rerank.status).toBe(400);
    expect((await json<{ error: { code: string } }>(rerank)).error.code).toBe("unsupported_endpoint");
  });

  const errorOf = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = await json<{ error: { message: string; type: string; code: string; param: string | null } }>(res);
    expect(body.error.type).toBe("invalid_request_error");
    return { status: res.status, code: body.error.code, param: body.error.param };
  };

  it("answers wrong content types, unreadable audio, oversized uploads, unknown voices and sizes with a 4xx in OpenAI's shape", async () => {
    const form = new FormData();
    form.set("model", "demo/image");
    form.set("prompt", "x");
    expect(await errorOf(await upload("/v1/images/generations", form))).toMatchObject({ status: 400, code: "invalid_content_type" });
    expect(await errorOf(await asTenant("/v1/images/edits", { model: "demo/image", prompt: "x" }))).toMatchObject({
      status: 400,
      code: "invalid_content_type",
    });

    const noAudio = new FormData();
    noAudio.set("model", "demo/whisper");
    noAudio.set("file", new File([new TextEncoder().encode("not audio at all")], "a.wav", { type: "audio/wav" }));
    expect(await errorOf(await upload("/v1/audio/transcriptions", noAudio))).toMatchObject({ status: 400, code: "invalid_audio", param: "file" });

    const big = new FormData();
    big.set("model", "demo/whisper");
    big.set("file", new File([new Uint8Array(26 * 1024 * 1024)], "big.wav", { type: "audio/wav" }));
    expect(await errorOf(await upload("/v1/audio/transcriptions", big))).toMatchObject({ status: 413, code: "request_too_large" });

    const notImage = new FormData();
    notImage.set("model", "demo/image");
    notImage.set("prompt", "x");
    notImage.set("image", new File([new TextEncoder().encode("GIF89a....")], "a.gif", { type: "image/gif" }));
    expect(await errorOf(await upload("/v1/images/edits", notImage))).toMatchObject({ status: 400, code: "invalid_image_format" });

    expect(await errorOf(await asTenant("/v1/audio/speech", { model: "demo/speech", voice: "robot", input: "hi", response_format: "wav" }))).toMatchObject({
      status: 400,
      param: "voice",
    });
    expect(await errorOf(await asTenant("/v1/images/generations", { model: "demo/image", prompt: "x", size: "huge" }))).toMatchObject({
      status: 400,
      param: "size",
    });
    expect(await errorOf(await asTenant("/v1/images/generations", { model: "demo/image", prompt: "x", size: "4096x4096" }))).toMatchObject({
      status: 400,
      param: "size",
    });
    expect(await errorOf(await asTenant("/v1/audio/speech", { model: "demo/speech", voice: "alloy", input: "x".repeat(4097) }))).toMatchObject({
      status: 400,
      param: "input",
    });
  });

  it("logs the refused calls and charges nothing for them", async () => {
    const before = await balance();
    const res = await asTenant("/v1/images/generations", { model: "demo/image", prompt: "x", n: 11 });
    expect(res.status).toBe(400);
    expect(await unitRow(res)).toMatchObject({ status: 400, cost_micros: 0 });
    expect(await balance()).toBe(before);
  });
});
