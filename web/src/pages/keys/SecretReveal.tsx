import { useEffect, useRef } from "preact/hooks";
import type { CreatedApiKey } from "../../api/types";
import { CopyButton } from "../../components/CopyButton";
import { t } from "../../i18n";

/** The new key's secret — the only time it is ever shown. */
export function SecretReveal({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  return (
    <div class="stack">
      <p class="notice" role="alert">
        <strong>{t("keys.secret.warning")}</strong> {t("keys.secret.explain")}
      </p>
      <div class="field">
        <label for="new-key-secret">{t("keys.secret.label", { name: created.name })}</label>
        <input ref={input} id="new-key-secret" class="mono" value={created.key} readOnly spellcheck={false} autocomplete="off" />
      </div>
      <div class="row">
        <CopyButton text={created.key} label={t("keys.secret.copy")} />
      </div>
      <div class="row end">
        <button class="button primary" type="button" onClick={onDone}>
          {t("keys.secret.done")}
        </button>
      </div>
    </div>
  );
}
