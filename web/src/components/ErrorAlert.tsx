import { isApiError } from "../api/error";
import { t } from "../i18n";

/** A failed call, explained: the server's message and its code. Renders nothing without an error. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message = isApiError(error) ? error.message : t("error.generic");
  const code = isApiError(error) && error.status !== 0 ? `${error.status} · ${error.code}` : null;
  return (
    <div class="alert" role="alert">
      {message}
      {code && <span class="code">{code}</span>}
    </div>
  );
}
