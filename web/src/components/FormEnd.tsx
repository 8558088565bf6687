import { t } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";

interface FormEndProps {
  /** The save's state (useAction). */
  action: { busy: boolean; error: unknown };
  saved: boolean;
  /** The submit button's text; without it (a read-only form) there is no button. */
  submit?: string | undefined;
  /** false: the error is shown elsewhere (e.g. beside the field it is about). */
  showError?: boolean;
}

/** The end of a settings form: what went wrong, "Saved." once it is, and the submit button. */
export function FormEnd({ action, saved, submit, showError = true }: FormEndProps) {
  return (
    <>
      {showError && <ErrorAlert error={action.error} />}
      {saved && (
        <p class="success" role="status">
          {t("settings.saved")}
        </p>
      )}
      {submit && (
        <div>
          <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
            {submit}
          </button>
        </div>
      )}
    </>
  );
}
