// POST /v1/audio/speech, /v1/audio/transcriptions and /v1/audio/translations: OpenAI's shapes.
// Speech is billed per character of input and its audio streams through as it comes;
// transcription and translation per second of audio, read from the file's own header before
// the call (what is reserved) and from the provider's answer where it reports a duration, or by
// the tokens it reports (gpt-4o-transcribe).
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint, type JsonAnswer } from "../call.ts";
import { mediaAttempt } from "../media/attempt.ts";
import { audioDuration } from "../media/audio-duration.ts";
import { formFields, formFile, formNumber, readForm } from "../media/multipart.ts";
import { mediaPlan } from "../media/plan.ts";
import { countTokens } from "../tokens.ts";
import { type MeteredUnits, tokenCount, type Usage, unitUsage } from "../types.ts";
import { UpstreamError } from "../upstream.ts";
import { withUsageCost } from "../usage-cost.ts";

const MAX_SPEECH_CHARACTERS = 4096;
/** Bounds for a call billed by tokens: audio in (about 10 a second; doubled) and text out. */
const AUDIO_TOKENS_PER_SECOND = 20;
const TEXT_TOKENS_PER_SECOND = 10;

export const speechRequest = z.looseObject({
  model: z.string().min(1).max(256),
  input: z
    .string()
    .min(1, "'input' is empty.")
    .max(MAX_SPEECH_CHARACTERS * 4),
  voice: z.union([z.string().regex(/^[\w-]{1,64}$/, "Use a voice name, e.g. alloy."), z.looseObject({ id: z.string().min(1).max(128) })]),
  response_format: z.enum(["mp3", "opus", "aac", "flac", "wav", "pcm"]).optional(),
  speed: z.number().min(0.25).max(4).optional(),
  instructions: z.string().max(4096).optional(),
  stream_format: z.literal("audio", "Only stream_format 'audio' is supported.").optional(),
  user: z.string().max(256).optional(),
});

const characters = (text: string): number => [...text].length;

export const speech = endpoint<Response>(async (c) => {
  const { body } = await readSizedJson(c.req.raw, speechRequest);
  const count = characters(body.input);
  if (count > MAX_SPEECH_CHARACTERS) {
    throw new AppError("invalid_request", `'input' is ${count} characters; at most ${MAX_SPEECH_CHARACTERS}.`, {
      code: "string_above_max_length",
      param: "input",
    });
  }
  const units: MeteredUnits = { kind: "character", count };
  return {
    endpoint: "audio.speech",
    model: body.model,
    body,
    size: { promptTokens: countTokens(body.input), promptBound: count, maxOutput: 0, units },
    refuseUnpriced: false,
    narrow: mediaPlan("speech", units),
    stream: false,
    attempt: mediaAttempt("speech", body),
    render: (audio) => {
      if (!audio.body) throw new UpstreamError("protocol", "upstream sent no audio");
      const contentType = audio.headers.get("content-type") ?? "application/octet-stream";
      return { text: "", usage: unitUsage("character", count), raw: { body: audio.body, contentType } };
    },
  };
});

const transcriptionFields = z.looseObject({
  model: z.string().min(1).max(256),
  language: z.string().max(16).optional(),
  prompt: z.string().max(32_000).optional(),
  response_format: z.enum(["json", "text", "srt", "verbose_json", "vtt", "diarized_json"]).optional(),
  temperature: formNumber(z.number().min(0).max(1)).optional(),
  stream: z.enum(["false"], "Streamed transcription is not supported; leave stream out.").optional(),
  user: z.string().max(256).optional(),
});

/** What a transcription answer reports: a duration, or tokens (gpt-4o-transcribe). */
interface TranscriptionAnswer {
  duration?: number;
  usage?: { type?: string; seconds?: number; input_tokens?: number; output_tokens?: number };
}

/** A transcript as the provider sent it: JSON, or text, srt or vtt. */
interface Transcript {
  text: string;
  contentType: string;
}

const transcribe = (kind: "transcriptions" | "translations") =>
  endpoint<Transcript>(async (c) => {
    const form = await readForm(c.req.raw);
    const fields = formFields(form, transcriptionFields);
    const file = formFile(form, "file");
    const audio = audioDuration(new Uint8Array(await file.arrayBuffer()));
    if (!audio) {
      throw new AppError(
        "invalid_request",
        `'${file.name.slice(0, 128)}' is not audio we can read: send flac, mp3, mp4, m4a, ogg, wav or webm with a valid header.`,
        {
          code: "invalid_audio",
          param: "file",
        },
      );
    }
    const units: MeteredUnits = { kind: "audio_second", count: Math.ceil(audio.seconds) };
    const prompt = countTokens(fields.prompt ?? "");
    return {
      endpoint: `audio.${kind}`,
      model: fields.model,
      body: fields,
      size: {
        promptTokens: prompt,
        promptBound: prompt * 4 + Math.ceil(audio.seconds * AUDIO_TOKENS_PER_SECOND),
        maxOutput: Math.ceil(audio.seconds * TEXT_TOKENS_PER_SECOND) + 64,
        units,
      },
      refuseUnpriced: false,
      narrow: mediaPlan(kind, units),
      stream: false,
      attempt: async (target, options) => {
        const answer = await mediaAttempt(kind, form)(target, options);
        return { text: await answer.text(), contentType: answer.headers.get("content-type") ?? "text/plain" };
      },
      render: (answer) => renderTranscript(answer, audio.seconds),
      withCost: withUsageCost,
    };
  });

export const transcriptions = transcribe("transcriptions");
export const translations = transcribe("translations");

/** The transcript as sent; billed by the duration or the tokens the provider reported, else by ours. */
function renderTranscript({ text, contentType }: Transcript, seconds: number): JsonAnswer {
  if (!contentType.startsWith("application/json")) return { text, usage: unitUsage("audio_second", seconds), raw: { body: text, contentType } };
  let parsed: TranscriptionAnswer;
  try {
    parsed = JSON.parse(text) as TranscriptionAnswer;
  } catch {
    throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
  }
  const reported = parsed.usage?.type === "duration" ? parsed.usage.seconds : parsed.duration;
  const usage: Usage = unitUsage("audio_second", typeof reported === "number" && reported > 0 ? reported : seconds);
  if (parsed.usage?.type === "tokens") {
    usage.inputTokens = tokenCount(parsed.usage.input_tokens);
    usage.outputTokens = tokenCount(parsed.usage.output_tokens);
  }
  return { text, usage };
}
