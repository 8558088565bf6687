import { useId } from "preact/hooks";
import type { AnalyticsGroupBy, AnalyticsInterval } from "../../api/types";
import { Field } from "../../components/Field";
import { t } from "../../i18n";
import {
  allowedIntervals,
  defaultInterval,
  GROUPS,
  INTERVALS,
  type Metric,
  metricsFor,
  normalize,
  PRESETS,
  RANGE_CHOICES,
  type RangeChoice,
  type Selection,
  spanOf,
} from "./range";

interface ControlsProps {
  value: Selection;
  onChange: (next: Selection) => void;
}

/** Range, interval, grouping, metric and live mode; every change applies at once. */
export function Controls({ value, onChange }: ControlsProps) {
  const liveId = useId();
  const span = spanOf(value);
  const allowed = span ? allowedIntervals(span.to - span.from) : INTERVALS;
  const set = (patch: Partial<Selection>) => onChange(normalize({ ...value, ...patch }));

  const onRange = (range: RangeChoice) => {
    if (range === "custom") return set({ range });
    set({ range, interval: defaultInterval(PRESETS[range]) });
  };

  return (
    <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label={t("analytics.controls")}>
      <div class="field-grid">
        <Field label={t("analytics.range")}>
          {(a11y) => (
            <select {...a11y} value={value.range} onChange={(e) => onRange(e.currentTarget.value as RangeChoice)}>
              {RANGE_CHOICES.map((r) => (
                <option key={r} value={r}>
                  {t(`analytics.range.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {value.range === "custom" && (
          <>
            <Field label={t("analytics.from")}>
              {(a11y) => <input {...a11y} type="datetime-local" value={value.from} onChange={(e) => set({ from: e.currentTarget.value })} />}
            </Field>
            <Field label={t("analytics.to")}>
              {(a11y) => <input {...a11y} type="datetime-local" value={value.to} onChange={(e) => set({ to: e.currentTarget.value })} />}
            </Field>
          </>
        )}
        <Field label={t("analytics.interval")}>
          {(a11y) => (
            <select {...a11y} value={value.interval} onChange={(e) => set({ interval: e.currentTarget.value as AnalyticsInterval })}>
              {INTERVALS.map((i) => (
                <option key={i} value={i} disabled={!allowed.includes(i)}>
                  {t(`analytics.interval.${i}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("analytics.groupBy")}>
          {(a11y) => (
            <select {...a11y} value={value.groupBy ?? ""} onChange={(e) => set({ groupBy: (e.currentTarget.value || null) as AnalyticsGroupBy | null })}>
              <option value="">{t("analytics.group.none")}</option>
              {GROUPS.map((g) => (
                <option key={g} value={g}>
                  {t(`analytics.group.${g}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("analytics.metric")}>
          {(a11y) => (
            <select {...a11y} value={value.metric} onChange={(e) => set({ metric: e.currentTarget.value as Metric })}>
              {metricsFor(value.groupBy).map((m) => (
                <option key={m} value={m}>
                  {t(`analytics.metric.${m}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label class="check" for={liveId}>
        <input id={liveId} type="checkbox" checked={value.live} disabled={value.range === "custom"} onChange={(e) => set({ live: e.currentTarget.checked })} />
        {t("analytics.live")}
      </label>
    </form>
  );
}
