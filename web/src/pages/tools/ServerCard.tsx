import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { McpServer, McpServerTestResult } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ManagedCardActions } from "../../components/ManagedCardActions";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { type KeyAccess, keysFor, type ToolKey } from "./keyAccess";
import { ServerTestResult } from "./ServerTestResult";

interface ServerCardProps {
  server: McpServer;
  /** May edit, test, enable/disable and delete it (platform servers: the operator only). */
  canWrite: boolean;
  /** The tenant's API keys; null when they are not known (no keys:read, or they failed to load). */
  keys: readonly ToolKey[] | null;
  onEdit: (server: McpServer) => void;
  onChanged: (server: McpServer) => void;
  onDeleted: (id: string) => void;
}

const testServer = (id: string) => call("post", "/api/mcp/servers/{id}/test", { path: { id } });
const setEnabled = (id: string, enabled: boolean) => call("patch", "/api/mcp/servers/{id}", { path: { id }, body: { enabled } });
const deleteServer = (id: string) => call("delete", "/api/mcp/servers/{id}", { path: { id } });

/** The header names, never their values (the API never sends them). */
function HeadersFact({ server }: { server: McpServer }) {
  if (!server.has_headers) return <span class="muted">{t("tools.noHeaders")}</span>;
  if (!server.header_names || server.header_names.length === 0) return <>{t("tools.headersSet")}</>;
  return (
    <ul class="chips" aria-label={t("tools.headers")}>
      {server.header_names.map((h) => (
        <li key={h} class="badge mono">
          {h}
        </li>
      ))}
    </ul>
  );
}

function PricesFact({ prices }: { prices: McpServer["tool_prices"] }) {
  const entries = Object.entries(prices ?? {});
  if (entries.length === 0) return <span class="muted">{t("tools.free")}</span>;
  return (
    <ul class="chips" aria-label={t("tools.prices")}>
      {entries.map(([tool, micros]) => (
        <li key={tool} class="badge">
          <span class="mono">{tool === "*" ? t("tools.priceOther") : tool}</span> · {formatMicros(micros)}
        </li>
      ))}
    </ul>
  );
}

/** The keys whose MCP tools name the server, and which of its tools. */
function KeysFact({ access }: { access: readonly KeyAccess[] }) {
  if (access.length === 0)
    return (
      <>
        <span class="muted">{t("tools.keys.none")}</span>
        <p class="hint">{t("tools.keys.noneHint")}</p>
      </>
    );
  return (
    <ul class="list-plain" aria-label={t("tools.keys")}>
      {access.map((k) => (
        <li key={k.id}>
          <strong>{k.name}</strong> ·{" "}
          {k.tools === null ? <span class="muted">{t("tools.keys.allTools")}</span> : <span class="mono">{k.tools.join(", ")}</span>}
        </li>
      ))}
    </ul>
  );
}

export function ServerCard({ server, canWrite, keys, onEdit, onChanged, onDeleted }: ServerCardProps) {
  const [result, setResult] = useState<McpServerTestResult | null>(null);
  const test = useAction(testServer);
  const toggle = useAction(setEnabled);
  const remove = useAction(deleteServer);
  const headingId = `mcp-server-${server.id}`;

  async function onTest() {
    setResult(null);
    const answer = await test.run(server.id);
    if (answer) setResult(answer);
  }

  async function onToggle() {
    const updated = await toggle.run(server.id, !server.enabled);
    if (updated) onChanged(updated);
  }

  async function onDelete(): Promise<boolean> {
    if (!(await remove.run(server.id))) return false;
    onDeleted(server.id);
    return true;
  }

  return (
    <article class="card" aria-labelledby={headingId}>
      <div class="card-header">
        <h3 id={headingId}>{server.name}</h3>
        <div class="row">
          <span class={server.enabled ? "badge ok" : "badge"}>{server.enabled ? t("tools.enabled") : t("tools.disabled")}</span>
          <span class="badge accent">{server.scope === "platform" ? t("tools.scope.platform") : t("tools.scope.tenant")}</span>
          {server.transport === "sse" && <span class="badge">{t("tools.transport.sse")}</span>}
        </div>
      </div>
      <dl class="facts">
        <dt>{t("tools.url")}</dt>
        <dd class="mono">{server.url}</dd>
        <dt>{t("tools.headers")}</dt>
        <dd>
          <HeadersFact server={server} />
        </dd>
        <dt>{t("tools.allowlist")}</dt>
        <dd>
          {server.tools === null ? (
            <span class="muted">{t("tools.allTools")}</span>
          ) : (
            <ul class="chips" aria-label={t("tools.allowlist")}>
              {server.tools.map((tool) => (
                <li key={tool} class="badge mono">
                  {tool}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>{t("tools.prices")}</dt>
        <dd>
          <PricesFact prices={server.tool_prices} />
        </dd>
        {keys && (
          <>
            <dt>{t("tools.keys")}</dt>
            <dd>
              <KeysFact access={keysFor(server.name, keys)} />
            </dd>
          </>
        )}
      </dl>
      {result && <ServerTestResult result={result} />}
      <ErrorAlert error={test.error ?? toggle.error} />
      <ManagedCardActions
        canWrite={canWrite}
        enabled={server.enabled}
        labels={{
          test: t("tools.test"),
          testing: t("tools.testing"),
          enable: t("tools.enable"),
          disable: t("tools.disable"),
          deleteTitle: t("tools.deleteTitle", { name: server.name }),
          deleteBody: t("tools.deleteBody"),
        }}
        test={test}
        toggle={toggle}
        remove={remove}
        onTest={onTest}
        onToggle={onToggle}
        onEdit={() => onEdit(server)}
        onDelete={onDelete}
      />
    </article>
  );
}
