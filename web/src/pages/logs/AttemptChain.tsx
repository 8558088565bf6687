import type { RequestDetail } from "../../api/types";
import { t } from "../../i18n";
import { formatMs } from "../../i18n/format";

type Attempt = NonNullable<RequestDetail["detail"]>["attempts"][number];

/** ok → green; a provider skipped for its open circuit → amber; anything else failed. */
export const outcomeTone = (outcome: string): "ok" | "warn" | "bad" => (outcome === "ok" ? "ok" : outcome === "circuit_open" ? "warn" : "bad");

function Headers({ headers }: { headers: Readonly<Record<string, string>> }) {
  return (
    <details>
      <summary class="small">{t("logs.headers")}</summary>
      <pre class="code-block small">
        {Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join("\n")}
      </pre>
    </details>
  );
}

function AttemptItem({ attempt }: { attempt: Attempt }) {
  return (
    <li class="list-item">
      <div class="main">
        <p class="row">
          <span class={`badge ${outcomeTone(attempt.outcome)}`}>{attempt.outcome}</span>
          <strong>{attempt.provider}</strong>
          <span class="mono break">{attempt.target}</span>
        </p>
        <p class="small muted">{t("logs.attemptTiming", { start: formatMs(attempt.startMs), ms: formatMs(attempt.ms) })}</p>
        {attempt.headers && <Headers headers={attempt.headers} />}
      </div>
    </li>
  );
}

/** Each provider tried, in order: how it went, when it started (from the call's start) and how long it took. */
export function AttemptChain({ attempts }: { attempts: readonly Attempt[] }) {
  return (
    <ol class="list" aria-label={t("logs.attempts")}>
      {attempts.map((a, i) => (
        <AttemptItem key={a.spanId ?? `${i}`} attempt={a} />
      ))}
    </ol>
  );
}

/** Calls logged before the detail was kept have only "target=outcome" strings. */
export function AttemptSummary({ attempts }: { attempts: readonly string[] }) {
  return (
    <ol class="list" aria-label={t("logs.attempts")}>
      {attempts.map((entry, i) => {
        const at = entry.lastIndexOf("=");
        const target = at > 0 ? entry.slice(0, at) : entry;
        const outcome = at > 0 ? entry.slice(at + 1) : "";
        return (
          <li key={`${i}`} class="list-item">
            <p class="row">
              {outcome && <span class={`badge ${outcomeTone(outcome)}`}>{outcome}</span>}
              <span class="mono break">{target}</span>
            </p>
          </li>
        );
      })}
    </ol>
  );
}
