import type { McpServerTestResult } from "../../api/types";
import { t } from "../../i18n";

/** POST /api/mcp/servers/:id/test: ok or not, the latency, and the tools the server lists. */
export function ServerTestResult({ result }: { result: McpServerTestResult }) {
  const tools = result.tools ?? [];
  return (
    <div class={result.ok ? "success" : "alert"} role="status">
      <strong>{result.ok ? t("tools.test.ok") : t("tools.test.failed")}</strong> · {t("tools.test.latency", { ms: result.latency_ms })}
      {result.error && <span class="code">{result.error}</span>}
      {result.ok && tools.length === 0 && <p>{t("tools.test.noTools")}</p>}
      {tools.length > 0 && (
        <>
          <p>{t("tools.test.toolCount", { count: tools.length })}</p>
          <ul aria-label={t("tools.test.tools")}>
            {tools.map((tool) => (
              <li key={tool.name}>
                <span class="mono">{tool.name}</span>
                {tool.description && <span class="muted"> — {tool.description}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
