import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { McpServer } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can, isOperator } from "../../stores/permissions";
import type { ToolKey } from "./keyAccess";
import { ServerCard } from "./ServerCard";
import { ServerForm } from "./ServerForm";
import { TryTool } from "./TryTool";

type Editing = { mode: "closed" } | { mode: "add" } | { mode: "edit"; server: McpServer };

const loadServers = async (signal: AbortSignal) => (await call("get", "/api/mcp/servers", { signal })).data;

/** The API keys, for each card's "keys that may use it" (a failure just leaves the line out). */
const loadKeys = async (signal: AbortSignal): Promise<ToolKey[] | null> => (can("keys:read") ? (await call("get", "/api/keys", { signal })).data : null);

const mayWrite = (s: McpServer) => (s.scope === "platform" ? isOperator() : can("providers:write"));

const upsert = (list: McpServer[], server: McpServer): McpServer[] =>
  list.some((s) => s.id === server.id) ? list.map((s) => (s.id === server.id ? server : s)) : [...list, server];

/** The MCP servers behind /mcp, and a client's view of them through an API key. */
export default function ToolsPage() {
  const [editing, setEditing] = useState<Editing>({ mode: "closed" });
  const { state, update } = useAsync(loadServers);
  const keys = useAsync(loadKeys).state;
  const close = () => setEditing({ mode: "closed" });

  return (
    <>
      <PageHeader title={t("tools.title")} description={t("tools.description")}>
        {can("providers:write") && (
          <button class="button primary" type="button" onClick={() => setEditing({ mode: "add" })}>
            {t("tools.add")}
          </button>
        )}
      </PageHeader>
      <section class="stack" aria-labelledby="mcp-servers-heading">
        <h2 id="mcp-servers-heading">{t("tools.servers")}</h2>
        <AsyncView state={state}>
          {(list) =>
            list.length === 0 ? (
              <EmptyState>{t("tools.empty")}</EmptyState>
            ) : (
              <ul class="cards">
                {list.map((s) => (
                  <li key={s.id}>
                    <ServerCard
                      server={s}
                      canWrite={mayWrite(s)}
                      keys={keys.status === "ready" ? keys.data : null}
                      onEdit={(server) => setEditing({ mode: "edit", server })}
                      onChanged={(server) => update((l) => upsert(l, server))}
                      onDeleted={(id) => update((l) => l.filter((x) => x.id !== id))}
                    />
                  </li>
                ))}
              </ul>
            )
          }
        </AsyncView>
      </section>
      <TryTool />
      <Dialog
        open={editing.mode !== "closed"}
        title={editing.mode === "edit" ? t("tools.editTitle", { name: editing.server.name }) : t("tools.addTitle")}
        onClose={close}
      >
        <ServerForm
          server={editing.mode === "edit" ? editing.server : undefined}
          onSaved={(server) => {
            update((l) => upsert(l, server));
            close();
          }}
          onCancel={close}
        />
      </Dialog>
    </>
  );
}
