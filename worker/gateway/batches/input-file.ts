// A batch input file read and checked before it goes to the provider: JSONL, one request a
// line, every line to the same URL and model, each custom_id once; each line's worst case
// (its prompt bound and the most it may write) summed, for what a batch of it reserves. The
// lines go on with the model the provider knows.
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { unpricedFeature } from "../unpriced-features.ts";

export const MAX_BATCH_LINES = 10_000;
/** The URLs a line may call, with what bounds what it writes. */
export const BATCH_URLS = ["/v1/chat/completions", "/v1/embeddings", "/v1/responses"] as const;
export type BatchUrl = (typeof BATCH_URLS)[number];

const lineSchema = z.object({
  custom_id: z.string().min(1).max(512),
  method: z.literal("POST"),
  url: z.enum(BATCH_URLS),
  body: z.looseObject({
    model: z.string().min(1).max(256),
    n: z.number().int().min(1).max(128).optional(),
    max_tokens: z.number().int().min(1).optional(),
    max_completion_tokens: z.number().int().min(1).optional(),
    max_output_tokens: z.number().int().min(1).optional(),
    stream: z.literal(false).optional(),
  }),
});
type Line = z.output<typeof lineSchema>;

/** One line's worst case: prompt tokens it cannot exceed, and output tokens (null: the model's most, times n). */
export interface LineBound {
  promptBound: number;
  maxOutput: number | null;
  choices: number;
}

export interface InputFile {
  url: BatchUrl;
  /** The model every line names. */
  model: string;
  lines: Line[];
  bounds: LineBound[];
}

const invalid = (message: string, line?: number) =>
  new AppError("invalid_request", line === undefined ? message : `Line ${line}: ${message}`, { code: "invalid_batch_file", param: "file" });

function readLine(raw: string, n: number): Line {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid("not JSON.", n);
  }
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`'${issue?.path.join(".") || "line"}': ${issue?.message ?? "invalid"}.`, n);
  }
  const feature = unpricedFeature(parsed.data.body);
  if (feature) throw invalid(`${feature.what} is not available in batches (the provider bills it beyond tokens).`, n);
  return parsed.data;
}

function boundOf(line: Line, bytes: number, raw: string): LineBound {
  const { body } = line;
  const maxOutput = line.url === "/v1/embeddings" ? 0 : (body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens ?? null);
  return { promptBound: promptTokenBound(raw, bytes), maxOutput, choices: body.n ?? 1 };
}

/** The file's requests; a 400 naming the first line that is wrong. */
export function readInputFile(text: string): InputFile {
  const raws = text.split("\n").filter((l) => l.trim() !== "");
  if (raws.length === 0) throw invalid("The file has no requests.");
  if (raws.length > MAX_BATCH_LINES) throw invalid(`A batch file holds at most ${MAX_BATCH_LINES} requests; this one has ${raws.length}.`);
  const encoder = new TextEncoder();
  const ids = new Set<string>();
  const lines: Line[] = [];
  const bounds: LineBound[] = [];
  for (const [i, raw] of raws.entries()) {
    const line = readLine(raw, i + 1);
    const first = lines[0];
    if (first && line.url !== first.url) throw invalid(`every line must call the same URL ('${first.url}').`, i + 1);
    if (first && line.body.model !== first.body.model) throw invalid(`every line must name the same model ('${first.body.model}').`, i + 1);
    if (ids.has(line.custom_id)) throw invalid(`custom_id '${line.custom_id.slice(0, 64)}' is used twice.`, i + 1);
    ids.add(line.custom_id);
    lines.push(line);
    bounds.push(boundOf(line, encoder.encode(raw).byteLength, raw));
  }
  return { url: lines[0]!.url, model: lines[0]!.body.model, lines, bounds };
}

/** The file as the provider gets it: each line's model the one it knows. */
export function forProvider(file: InputFile, upstreamModel: string): string {
  return `${file.lines.map((l) => JSON.stringify({ ...l, body: { ...l.body, model: upstreamModel } })).join("\n")}\n`;
}
