import { useState } from "preact/hooks";
import { t } from "../i18n";

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Copies `text`; the outcome is announced politely next to the button. */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const [status, setStatus] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <span class="row">
      <button class="button small" type="button" onClick={async () => setStatus((await copyText(text)) ? "copied" : "failed")}>
        {label ?? t("common.copy")}
      </button>
      <span class="small muted" role="status">
        {status === "copied" ? t("common.copied") : status === "failed" ? t("common.copyFailed") : ""}
      </span>
    </span>
  );
}
