import { Field } from "../../components/Field";
import { t } from "../../i18n";
import { CAPTURE_MODES, type CaptureMode, toCaptureMode } from "./capture";

/** The capture select of a key or a route, with the chosen option's one-line hint. */
export function CaptureField({ value, onChange }: { value: CaptureMode; onChange: (mode: CaptureMode) => void }) {
  return (
    <Field label={t("keys.form.capture")} hint={t(`keys.form.capture.${value}.hint`)}>
      {(a11y) => (
        <select {...a11y} value={value} onChange={(e) => onChange(toCaptureMode(e.currentTarget.value))}>
          {CAPTURE_MODES.map((m) => (
            <option key={m} value={m}>
              {t(`keys.form.capture.${m}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
