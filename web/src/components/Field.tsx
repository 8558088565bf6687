import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: "true";
}

interface FieldProps {
  label: string;
  hint?: string | undefined;
  error?: string | null | undefined;
  /** Receives the id and ARIA wiring for the control. */
  children: (control: ControlProps) => ComponentChildren;
}

/** A labelled control with an optional hint and validation message, both announced with it. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  const control: ControlProps = { id };
  if (describedBy) control["aria-describedby"] = describedBy;
  if (error) control["aria-invalid"] = "true";
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(control)}
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
