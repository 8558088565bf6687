import { t } from "../i18n";
import { dismissToast, toasts } from "../stores/toasts";

/** Pushed alerts, in a polite live region that is always present so additions are announced. */
export function Toasts() {
  return (
    <section class="toasts" aria-label={t("toasts.label")} aria-live="polite">
      {toasts.value.map((toast) => (
        <div key={toast.id} class={`toast ${toast.tone}`} data-testid="toast">
          <div class="toast-text">
            <p class="toast-title">{toast.title}</p>
            {toast.body && <p class="small">{toast.body}</p>}
            {toast.href && (
              <a class="small" href={toast.href} onClick={() => dismissToast(toast.id)}>
                {toast.linkLabel ?? t("toasts.open")}
              </a>
            )}
          </div>
          <button class="button small" type="button" onClick={() => dismissToast(toast.id)} aria-label={t("toasts.dismiss", { title: toast.title })}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
