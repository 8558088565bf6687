import type { RequestDetail } from "../../api/types";
import { t } from "../../i18n";
import { formatMs } from "../../i18n/format";

export type Timings = NonNullable<RequestDetail["detail"]>["timings"];

/**
 * The call's time in its parts: reading the request (queue), admission (limits and budgets),
 * the provider up to the first byte, and streaming the rest. Before the first byte (a failure)
 * the provider's part runs to the end.
 */
export function timingParts(timings: Timings) {
  const firstByte = timings.ttfbMs ?? timings.totalMs;
  return [
    { key: "queue", ms: timings.queueMs },
    { key: "admission", ms: timings.admissionMs },
    { key: "upstream", ms: Math.max(0, firstByte - timings.queueMs - timings.admissionMs) },
    { key: "stream", ms: Math.max(0, timings.totalMs - firstByte) },
  ] as const;
}

/** Where the time went, as one bar with each part to scale, and the same in words. */
export function TimingBar({ timings }: { timings: Timings }) {
  const parts = timingParts(timings);
  const total = Math.max(1, timings.totalMs);
  const words = parts.map((p) => `${t(`logs.timing.${p.key}`)} ${formatMs(p.ms)}`);
  return (
    <div class="stack-sm" data-testid="timings">
      <div class="timing-bar" role="img" aria-label={words.join(", ")}>
        {parts.map((p) => (
          <span key={p.key} class={`timing-${p.key}`} style={{ width: `${(100 * p.ms) / total}%` }} title={`${t(`logs.timing.${p.key}`)} ${formatMs(p.ms)}`} />
        ))}
      </div>
      <p class="small muted">
        {words.join(" · ")}
        <br />
        {t("logs.timing.ttfb")} {formatMs(timings.ttfbMs)} · {t("logs.timing.total")} {formatMs(timings.totalMs)}
      </p>
    </div>
  );
}
