import type { TargetedSubmitEvent } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { type StreamResult, streamChat } from "../../api/chatStream";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { callableModels } from "../../stores/providers";
import { playgroundKey } from "./playgroundKey";
import { StreamStats } from "./StreamStats";
import { TemporaryKey } from "./TemporaryKey";

type Phase = "idle" | "streaming" | "done" | "failed";

/** Streams a chat through the gateway and renders the tokens as they arrive. */
export function Playground({ aliases = [] }: { aliases?: readonly string[] }) {
  const listId = useId();
  const [model, setModel] = useState("");
  const [prompt, setPrompt] = useState("Write a haiku about edge computing.");
  const [text, setText] = useState("");
  const [ttft, setTtft] = useState<number | null>(null);
  const [result, setResult] = useState<StreamResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const controller = useRef<AbortController | null>(null);
  const models = [...callableModels.value, ...aliases];
  const chosen = model || models[0] || "";

  useEffect(() => () => controller.current?.abort(), []);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (phase === "streaming" || !playgroundKey.value || !chosen) return;
    const abort = new AbortController();
    controller.current = abort;
    setText("");
    setTtft(null);
    setResult(null);
    setError(null);
    setPhase("streaming");
    try {
      const done = await streamChat({
        apiKey: playgroundKey.value,
        model: chosen,
        prompt,
        signal: abort.signal,
        onToken: (token, elapsed) => {
          setTtft((first) => first ?? elapsed);
          setText((current) => current + token);
        },
      });
      setResult(done);
      setPhase("done");
    } catch (err) {
      setError(err);
      setPhase("failed");
    }
  }

  const streaming = phase === "streaming";
  return (
    <section class="card stack" aria-labelledby="playground-heading">
      <h2 id="playground-heading">{t("playground.title")}</h2>
      <p class="muted small">{t("playground.description")}</p>
      <form class="stack" onSubmit={onSubmit}>
        <Field label={t("playground.apiKey")} hint={t("playground.apiKeyHint")}>
          {(a11y) => (
            <input
              {...a11y}
              type="password"
              autocomplete="off"
              spellcheck={false}
              value={playgroundKey.value}
              onInput={(e) => (playgroundKey.value = e.currentTarget.value.trim())}
              placeholder="sk-agg-…"
            />
          )}
        </Field>
        {can("keys:write") && !playgroundKey.value && <TemporaryKey />}
        <Field label={t("playground.model")}>
          {(a11y) => <input {...a11y} list={listId} value={chosen} onInput={(e) => setModel(e.currentTarget.value)} spellcheck={false} autocomplete="off" />}
        </Field>
        <datalist id={listId}>
          {models.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <Field label={t("playground.prompt")}>{(a11y) => <textarea {...a11y} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />}</Field>
        <div class="row">
          <button class="button primary" type="submit" disabled={streaming || !playgroundKey.value || !chosen}>
            {t("playground.send")}
          </button>
          {streaming && (
            <button class="button" type="button" onClick={() => controller.current?.abort()}>
              {t("playground.stop")}
            </button>
          )}
        </div>
      </form>
      <div>
        <h3 id="playground-output">{t("playground.output")}</h3>
        <div class="transcript" aria-labelledby="playground-output" aria-live="polite" aria-busy={streaming} data-testid="transcript">
          {text || (streaming ? t("playground.waiting") : "")}
        </div>
      </div>
      <StreamStats ttft={ttft} result={result} />
      <ErrorAlert error={error} />
    </section>
  );
}
