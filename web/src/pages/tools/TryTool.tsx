import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { type McpCallResult, type McpSession, type McpTool, mcpCallTool, mcpInitialize, mcpListTools, parseToolArguments } from "../../api/mcp";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { playgroundKey } from "../diagnostics/playgroundKey";

interface Listed {
  session: McpSession;
  tools: McpTool[];
}

async function listTools(apiKey: string): Promise<Listed> {
  const session = await mcpInitialize(apiKey);
  return { session, tools: await mcpListTools(session) };
}

/** Calls /mcp as a client would, with the Diagnostics playground's API key. */
export function TryTool() {
  // The key field stays while it is being typed; a key already set in the playground is just used.
  const [askKey, setAskKey] = useState(() => playgroundKey.value === "");
  const [listed, setListed] = useState<Listed | null>(null);
  const [tool, setTool] = useState("");
  const [args, setArgs] = useState("{}");
  const [argsError, setArgsError] = useState<string | null>(null);
  const [result, setResult] = useState<McpCallResult | null>(null);
  const load = useAction(listTools);
  const run = useAction(mcpCallTool);
  const key = playgroundKey.value;
  const chosen = tool || listed?.tools[0]?.name || "";
  const description = listed?.tools.find((item) => item.name === chosen)?.description;

  function onKey(value: string) {
    playgroundKey.value = value.trim();
    setListed(null);
    setResult(null);
  }

  async function onLoad() {
    if (!key) return;
    setListed(null);
    setResult(null);
    run.reset();
    const answer = await load.run(key);
    if (answer) {
      setListed(answer);
      setTool("");
    }
  }

  async function onCall(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!listed || !chosen) return;
    const parsed = parseToolArguments(args);
    if (parsed === null) {
      setArgsError(t("tools.try.argumentsInvalid"));
      return;
    }
    setArgsError(null);
    setResult(null);
    const answer = await run.run(listed.session, chosen, parsed);
    if (answer) setResult(answer);
  }

  return (
    <section class="card stack" aria-labelledby="try-tool-heading">
      <h2 id="try-tool-heading">{t("tools.try.title")}</h2>
      <p class="muted small">{t("tools.try.description")}</p>
      {askKey ? (
        <Field label={t("playground.apiKey")} hint={t("tools.try.apiKeyHint")}>
          {(a11y) => (
            <input
              {...a11y}
              type="password"
              autocomplete="off"
              spellcheck={false}
              value={key}
              onInput={(e) => onKey(e.currentTarget.value)}
              placeholder="sk-agg-…"
            />
          )}
        </Field>
      ) : (
        <div class="row">
          <p class="muted small">{t("tools.try.usingKey")}</p>
          <button class="button small" type="button" onClick={() => setAskKey(true)}>
            {t("tools.try.otherKey")}
          </button>
        </div>
      )}
      <div class="row">
        <button class="button" type="button" onClick={onLoad} disabled={!key || load.busy} aria-busy={load.busy}>
          {load.busy ? t("tools.try.loading") : t("tools.try.load")}
        </button>
      </div>
      <ErrorAlert error={load.error} />
      {listed && listed.tools.length === 0 && <p class="notice">{t("tools.try.noTools")}</p>}
      {listed && listed.tools.length > 0 && (
        <form class="stack" onSubmit={onCall} noValidate>
          <Field label={t("tools.try.tool")} hint={description ?? undefined}>
            {(a11y) => (
              <select {...a11y} value={chosen} onChange={(e) => setTool(e.currentTarget.value)}>
                {listed.tools.map((item) => (
                  <option key={item.name} value={item.name}>
                    {item.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t("tools.try.arguments")} hint={t("tools.try.argumentsHint")} error={argsError}>
            {(a11y) => <textarea {...a11y} class="mono" value={args} onInput={(e) => setArgs(e.currentTarget.value)} spellcheck={false} />}
          </Field>
          <div class="row">
            <button class="button primary" type="submit" disabled={run.busy} aria-busy={run.busy}>
              {run.busy ? t("tools.try.calling") : t("tools.try.call")}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite" class="stack">
        {result && (
          <>
            <h3 id="try-tool-result">{t("tools.try.result")}</h3>
            {result.isError && <p class="alert">{t("tools.try.isError")}</p>}
            <div class="transcript" aria-labelledby="try-tool-result" data-testid="tool-result">
              {result.text || t("tools.try.noText")}
            </div>
          </>
        )}
      </div>
      <ErrorAlert error={run.error} />
    </section>
  );
}
