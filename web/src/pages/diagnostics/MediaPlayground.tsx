import type { TargetedSubmitEvent } from "preact";
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { ApiError } from "../../api/error";
import { generateImage, type MediaAuth, type MediaResult, type Moderation, moderate, rerank, synthesizeSpeech, transcribe } from "../../api/media";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { t } from "../../i18n";
import { formatMicros, formatNumber } from "../../i18n/format";
import { callableModels } from "../../stores/providers";
import { playgroundKey } from "./playgroundKey";

const KINDS = ["image", "speech", "transcription", "moderation", "rerank"] as const;
type Kind = (typeof KINDS)[number];

/** The demo provider serves these without a provider key. */
const DEFAULT_MODELS: Readonly<Record<Kind, string>> = {
  image: "demo/image",
  speech: "demo/speech",
  transcription: "demo/whisper",
  moderation: "demo/moderation",
  rerank: "demo/rerank",
};

const DEFAULT_DOCUMENTS = "Foxes hunt in the snow at dawn.\nThe gateway routes each call to a healthy provider.\nA red fox sleeps under a pine.";

type Output =
  | { kind: "image"; b64: string; prompt: string }
  | { kind: "speech"; audio: Blob; text: string }
  | { kind: "transcription"; text: string }
  | { kind: "moderation"; moderation: Moderation }
  | { kind: "rerank"; ranked: { index: number; document: string; score: number }[] };

interface Inputs {
  kind: Kind;
  model: string;
  prompt: string;
  documents: string[];
  speech: Blob | null;
}

const linesOf = (text: string): string[] =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

async function mapped<T>(call: Promise<MediaResult<T>>, toOutput: (value: T) => Output): Promise<MediaResult<Output>> {
  const { value, costMicros } = await call;
  return { value: toOutput(value), costMicros };
}

function run(auth: MediaAuth, { kind, model, prompt, documents, speech }: Inputs): Promise<MediaResult<Output>> {
  switch (kind) {
    case "image":
      return mapped(generateImage(auth, model, prompt), (b64) => ({ kind, b64, prompt }));
    case "speech":
      return mapped(synthesizeSpeech(auth, model, prompt), (audio) => ({ kind, audio, text: prompt }));
    case "transcription":
      if (!speech) return Promise.reject(new ApiError(0, "no_speech", t("media.needSpeech")));
      return mapped(transcribe(auth, model, speech), (text) => ({ kind, text }));
    case "moderation":
      return mapped(moderate(auth, model, prompt), (moderation) => ({ kind, moderation }));
    case "rerank":
      return mapped(rerank(auth, model, prompt, documents), (ranked) => ({
        kind,
        ranked: ranked.map(({ index, score }) => ({ index, document: documents[index] ?? `#${index}`, score })),
      }));
  }
}

function canRun({ kind, model, prompt, documents, speech }: Inputs): boolean {
  if (!playgroundKey.value || !model) return false;
  if (kind === "transcription") return speech !== null;
  return prompt.trim() !== "" && (kind !== "rerank" || documents.length > 0);
}

/** An object URL for `blob`, revoked when the blob is replaced or the component unmounts. */
function useObjectUrl(blob: Blob | null): string | null {
  const url = useMemo(() => (blob ? URL.createObjectURL(blob) : null), [blob]);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  return url;
}

function MediaOutput({ output, speechUrl }: { output: Output; speechUrl: string | null }) {
  switch (output.kind) {
    case "image":
      return <img class="media-image" src={`data:image/png;base64,${output.b64}`} alt={output.prompt} />;
    case "speech":
      if (!speechUrl) return null;
      return (
        <>
          {/* biome-ignore lint/a11y/useMediaCaption: the text it speaks is shown right below it */}
          <audio controls src={speechUrl} />
          <p class="muted small">{output.text}</p>
        </>
      );
    case "transcription":
      return <p>{output.text}</p>;
    case "moderation":
      return <ModerationOutput moderation={output.moderation} />;
    case "rerank":
      return (
        <ol>
          {output.ranked.map((r) => (
            <li key={r.index}>
              {r.document} <span class="muted small">{t("media.score", { score: formatNumber(r.score) })}</span>
            </li>
          ))}
        </ol>
      );
  }
}

function ModerationOutput({ moderation }: { moderation: Moderation }) {
  return (
    <>
      <p>
        <strong>{moderation.flagged ? t("media.flagged") : t("media.notFlagged")}</strong>
      </p>
      {moderation.categories.length > 0 && (
        <ul aria-label={t("media.categories")}>
          {moderation.categories.map((name) => (
            <li key={name} class="mono">
              {name}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Calls the gateway's image, audio, moderation and rerank endpoints with the playground's key. */
export function MediaPlayground() {
  const listId = useId();
  const outputId = useId();
  const speechHintId = useId();
  const [kind, setKind] = useState<Kind>("image");
  const [models, setModels] = useState<Record<Kind, string>>({ ...DEFAULT_MODELS });
  const [prompt, setPrompt] = useState("A red fox in the snow");
  const [documents, setDocuments] = useState(DEFAULT_DOCUMENTS);
  const [speech, setSpeech] = useState<Blob | null>(null);
  const [output, setOutput] = useState<Output | null>(null);
  const [cost, setCost] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const speechUrl = useObjectUrl(speech);
  const inputs: Inputs = { kind, model: models[kind].trim(), prompt, documents: linesOf(documents), speech };

  useEffect(() => () => controller.current?.abort(), []);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !canRun(inputs)) return;
    const abort = new AbortController();
    controller.current = abort;
    setBusy(true);
    setOutput(null);
    setCost(null);
    setError(null);
    try {
      const { value, costMicros } = await run({ apiKey: playgroundKey.value, signal: abort.signal }, inputs);
      if (value.kind === "speech") setSpeech(value.audio);
      setOutput(value);
      setCost(costMicros);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="media-playground-heading">
      <h2 id="media-playground-heading">{t("media.title")}</h2>
      <p class="muted small">{t("media.description")}</p>
      {!playgroundKey.value && <p class="muted small">{t("media.needKey")}</p>}
      <form class="stack" onSubmit={onSubmit}>
        <Field label={t("media.kind")}>
          {(a11y) => (
            <select {...a11y} value={kind} onChange={(e) => setKind(KINDS.find((k) => k === e.currentTarget.value) ?? kind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`media.kind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("media.model")}>
          {(a11y) => (
            <input
              {...a11y}
              list={listId}
              value={models[kind]}
              onInput={(e) => setModels({ ...models, [kind]: e.currentTarget.value })}
              spellcheck={false}
              autocomplete="off"
            />
          )}
        </Field>
        <datalist id={listId}>
          {callableModels.value.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        {kind !== "transcription" && (
          <Field label={t(`media.prompt.${kind}`)}>{(a11y) => <textarea {...a11y} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />}</Field>
        )}
        {kind === "rerank" && (
          <Field label={t("media.documents")} hint={t("media.documentsHint")}>
            {(a11y) => <textarea {...a11y} rows={5} value={documents} onInput={(e) => setDocuments(e.currentTarget.value)} />}
          </Field>
        )}
        {kind === "transcription" && (
          <p class="muted small" id={speechHintId}>
            {speech ? t("media.transcribeHint") : t("media.needSpeech")}
          </p>
        )}
        <div class="row">
          <button
            class="button primary"
            type="submit"
            disabled={busy || !canRun(inputs)}
            aria-describedby={kind === "transcription" ? speechHintId : undefined}
          >
            {t(`media.run.${kind}`)}
          </button>
        </div>
      </form>
      <div>
        <h3 id={outputId}>{t("media.output")}</h3>
        <div class="transcript media-output" aria-labelledby={outputId} aria-live="polite" aria-busy={busy} data-testid="media-output">
          {busy ? t("media.working") : output && <MediaOutput output={output} speechUrl={speechUrl} />}
        </div>
      </div>
      {cost !== null && (
        <dl class="facts small">
          <dt>{t("media.cost")}</dt>
          <dd>{formatMicros(cost)}</dd>
        </dl>
      )}
      <ErrorAlert error={error} />
    </section>
  );
}
