import { CopyButton } from "../../components/CopyButton";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { callableModels } from "../../stores/providers";

export function curlSnippet(origin: string, model: string): string {
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello, gateway!" }] });
  return [
    `curl ${origin}/v1/chat/completions \\`,
    `  -H "Authorization: Bearer $AGGREGATOR_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body}'`,
  ].join("\n");
}

/** A ready curl line against this gateway, with the first model the tenant can call. */
export function TryIt() {
  const model = callableModels.value[0] ?? "demo/echo";
  const snippet = curlSnippet(location.origin, model);
  return (
    <section class="card" aria-labelledby="try-heading">
      <div class="card-header">
        <h2 id="try-heading">{t("dashboard.tryIt")}</h2>
        <CopyButton text={snippet} />
      </div>
      <p class="muted small">{t("dashboard.tryItHint")}</p>
      <pre tabIndex={0} aria-label={t("dashboard.tryIt")}>
        <code>{snippet}</code>
      </pre>
      <p class="small">
        {can("keys:write") && <a href="/keys">{t("dashboard.createKey")}</a>} <a href="/diagnostics">{t("dashboard.openPlayground")}</a>
      </p>
    </section>
  );
}
