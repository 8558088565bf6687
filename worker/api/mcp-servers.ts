// /api/mcp/servers: the MCP tool servers a tenant's keys reach at /mcp, and the platform's
// (operator). Their headers (a bearer token, an API key header) are stored AES-GCM encrypted and
// never shown, only their names; every change is audited with the whole row, so a rollback
// restores the secret too. A tenant's server URL passes the same guard as a provider's.
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { assertPermission, hasPermission } from "../core/rbac.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { findVisibleMcpServer, listVisibleMcpServers, type McpServerRecord, mcpServerNameTaken } from "../db/mcp-servers.ts";
import { MCP_TRANSPORTS, mcpServers } from "../db/schema.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { commitChange } from "../services/audit.ts";
import { request } from "../gateway/mcp/client.ts";
import { targetOf } from "../gateway/mcp/tools.ts";
import { UpstreamError } from "../gateway/upstream.ts";
import { actorOf } from "./actor.ts";
import { PROVIDER_NAME, scopeField } from "./providers.ts";
import { type ApiContext, ApiRouter } from "./router.ts";
import { openHeaderNames, sealHeaders, secretHeaders } from "./secret-headers.ts";

const TOOL_NAME = /^[\x21-\x7e]{1,128}$/;
/** Headers the gateway sets itself on every request to a server. */
const RESERVED_HEADERS = new Set(["content-type", "accept", "mcp-session-id", "mcp-protocol-version", "host", "content-length", "x-aggregator-hops"]);

const name = z
  .string()
  .regex(PROVIDER_NAME, "Use 1–63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.")
  .refine((n) => !n.includes("__"), "Must not contain '__' (it separates server and tool).");
const url = z
  .url({ protocol: /^https?$/, error: "Must be an http(s) URL." })
  .max(2048)
  .refine((u) => !u.includes("#"), "Must not have a fragment.")
  .describe("Its MCP endpoint (the event stream's URL for transport 'sse'). A tenant's: https, and no internal address (400 url_not_allowed)");
const transport = z
  .enum(MCP_TRANSPORTS)
  .describe("'streamable-http' (MCP 2025-03-26 and later), or 'sse' for older servers (HTTP+SSE, 2024-11-05: a fresh session each call)");
const headers = secretHeaders(RESERVED_HEADERS).describe('Write-only; stored encrypted. e.g. { "Authorization": "Bearer …" }');
const tools = z
  .array(z.string().regex(TOOL_NAME, "Tool names are printable ASCII without spaces, at most 128 characters."))
  .max(1000)
  .transform((list) => [...new Set(list)]);
const toolPrices = z
  .record(z.string().regex(/^(\*|[\x21-\x7e]{1,128})$/), z.int().min(0).max(100_000_000))
  .refine((p) => Object.keys(p).length <= 1000, "At most 1,000 prices.")
  .describe("Micro-dollars per call, by tool name ('*': any other); billed like a model call");

const fields = {
  name,
  url,
  transport,
  headers: headers.nullable(),
  tools: tools.nullable().describe("The tools offered through the gateway; null: all the server lists"),
  tool_prices: toolPrices.nullable(),
  enabled: z.boolean(),
};

const createBody = z.strictObject({
  name: fields.name,
  url: fields.url,
  transport: transport.default("streamable-http"),
  headers: headers.optional(),
  tools: fields.tools.optional(),
  tool_prices: toolPrices.optional(),
  enabled: fields.enabled.default(true),
  scope: scopeField.default("tenant"),
});

const updateBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const serverView = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  transport,
  header_names: z.array(z.string()).nullable().describe("Shown to those who may change the server; never the values"),
  has_headers: z.boolean(),
  tools: z.array(z.string()).nullable(),
  tool_prices: z.record(z.string(), z.int()).nullable(),
  enabled: z.boolean(),
  scope: scopeField,
  created_at: z.string(),
  updated_at: z.string().nullable(),
});

const canWrite = (c: ApiContext, row: McpServerRecord) => hasPermission(c.var.user, row.tenantId === null ? "platform:write" : "providers:write");

const headerNames = (c: ApiContext, row: McpServerRecord) => (canWrite(c, row) ? openHeaderNames(c.env.SECRETS_KEY, row.headersEncrypted) : null);

async function serverJson(c: ApiContext, row: McpServerRecord): Promise<z.output<typeof serverView>> {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    transport: row.transport,
    header_names: await headerNames(c, row),
    has_headers: row.headersEncrypted !== null,
    tools: row.tools,
    tool_prices: row.toolPrices,
    enabled: row.enabled,
    scope: row.tenantId === null ? "platform" : "tenant",
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt),
  };
}

async function findOr404(c: ApiContext, id: string): Promise<McpServerRecord> {
  const row = await findVisibleMcpServer(getDb(c.env.DB), c.var.user.tenantId, id);
  if (!row) throw new AppError("not_found", "No such MCP server.", { code: "mcp_server_not_found" });
  return row;
}

async function findWritable(c: ApiContext, id: string): Promise<McpServerRecord> {
  const row = await findOr404(c, id);
  if (row.tenantId === null) assertPermission(c.var.user, "platform:write");
  return row;
}

const nameConflict = (serverName: string) => () =>
  new AppError("conflict", `An MCP server named '${serverName}' already exists in this scope.`, { code: "mcp_server_exists", param: "name" });

async function commit(c: ApiContext, action: string, before: McpServerRecord | null, after: McpServerRecord | null, write: BatchItem<"sqlite">) {
  const row = (after ?? before)!;
  await conflictOnDuplicate(
    commitChange(getDb(c.env.DB), actorOf(c), { action, entityType: "mcp_server", entityId: row.id, tenantId: row.tenantId, before, after }, [write]),
    nameConflict(row.name),
  );
}

const probeView = z.object({
  ok: z.boolean(),
  latency_ms: z.int(),
  tools: z
    .array(z.object({ name: z.string(), description: z.string().nullable() }))
    .optional()
    .describe("As the server lists them (before the server's allowlist)"),
  error: z.string().optional().describe("A short generic reason; never the server's own text"),
});

const PROBE_TIMEOUT_MS = 10_000;

function probeFailure(error: unknown): string {
  if (!(error instanceof UpstreamError)) return "The server could not be asked.";
  if (error.failure === "timeout") return "The server did not answer in time.";
  if (error.failure === "protocol") return "The server's answer is not MCP; check url.";
  if (error.status === 401 || error.status === 403) return "The server refused the credentials; check headers.";
  if (error.failure === "http") return `The server answered ${error.status ?? "an error"}; check url.`;
  return "Could not reach the server; check url.";
}

/** One session with the server and a tools/list, as the gateway would; failures are the report, not an error. */
async function probeServer(c: ApiContext, row: McpServerRecord): Promise<z.output<typeof probeView>> {
  const started = Date.now();
  try {
    const answer = await request(await targetOf(c.env, row), `probe:${c.var.user.id}`, "tools/list", undefined, {
      timeoutMs: PROBE_TIMEOUT_MS,
      hops: 0,
    });
    const listed = Array.isArray(answer.result?.tools) ? (answer.result.tools as { name?: unknown; description?: unknown }[]) : [];
    const tools = listed
      .filter((t) => typeof t.name === "string")
      .map((t) => ({ name: String(t.name), description: typeof t.description === "string" ? t.description : null }));
    return { ok: !answer.error, latency_ms: Date.now() - started, tools };
  } catch (error) {
    return { ok: false, latency_ms: Date.now() - started, error: probeFailure(error) };
  }
}

export const mcpServersApi = new ApiRouter("mcp")
  .endpoint(
    "get",
    "/servers",
    {
      summary: "The platform's MCP servers and the tenant's own (never their headers).",
      access: "providers:read",
      response: z.object({ data: z.array(serverView) }),
    },
    async (c) => {
      const rows = await listVisibleMcpServers(getDb(c.env.DB), c.var.user.tenantId);
      return c.json({ data: await Promise.all(rows.map((row) => serverJson(c, row))) });
    },
  )
  .endpoint("get", "/servers/:id", { summary: "One MCP server.", access: "providers:read", response: serverView }, async (c) =>
    c.json(await serverJson(c, await findOr404(c, c.req.param("id")!))),
  )
  .endpoint(
    "post",
    "/servers",
    {
      summary: "Add an MCP server: the tenant's own, or with scope 'platform' every tenant's (operator).",
      access: "providers:write",
      body: createBody,
      status: 201,
      response: serverView,
    },
    async (c, { body }) => {
      if (body.scope === "platform") assertPermission(c.var.user, "platform:write");
      const tenantId = body.scope === "platform" ? null : c.var.user.tenantId;
      assertConfigurableUrl(c, body.url, "url");
      if (await mcpServerNameTaken(getDb(c.env.DB), tenantId, body.name)) throw nameConflict(body.name)();
      const row: McpServerRecord = {
        id: newId("mcp"),
        tenantId,
        name: body.name,
        url: body.url,
        transport: body.transport,
        headersEncrypted: await sealHeaders(c.env.SECRETS_KEY, body.headers ?? null),
        tools: body.tools ?? null,
        toolPrices: body.tool_prices ?? null,
        enabled: body.enabled,
        createdAt: Date.now(),
        updatedAt: null,
      };
      await commit(c, "create", null, row, getDb(c.env.DB).insert(mcpServers).values(row));
      return c.json(await serverJson(c, row), 201);
    },
  )
  .endpoint(
    "patch",
    "/servers/:id",
    { summary: "Change an MCP server; send headers to replace them, null to remove them.", access: "providers:write", body: updateBody, response: serverView },
    async (c, { body }) => {
      const before = await findWritable(c, c.req.param("id")!);
      if (body.url) assertConfigurableUrl(c, body.url, "url");
      const after: McpServerRecord = {
        ...before,
        ...(body.name !== undefined && { name: body.name }),
        ...(body.url !== undefined && { url: body.url }),
        ...(body.transport !== undefined && { transport: body.transport }),
        ...(body.headers !== undefined && { headersEncrypted: await sealHeaders(c.env.SECRETS_KEY, body.headers) }),
        ...(body.tools !== undefined && { tools: body.tools }),
        ...(body.tool_prices !== undefined && { toolPrices: body.tool_prices }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        updatedAt: Date.now(),
      };
      if (after.name !== before.name && (await mcpServerNameTaken(getDb(c.env.DB), before.tenantId, after.name, before.id))) throw nameConflict(after.name)();
      await commit(c, "update", before, after, getDb(c.env.DB).update(mcpServers).set(after).where(eq(mcpServers.id, before.id)));
      return c.json(await serverJson(c, after));
    },
  )
  .endpoint(
    "post",
    "/servers/:id/test",
    {
      summary: "Open a session with the server and list its tools; a failure is ok: false, not an error.",
      description:
        "The report is the latency, the tools listed and a short generic reason; never the server's body or headers. A tenant's server whose url is not allowed is refused with 400 url_not_allowed.",
      access: "providers:write",
      response: probeView,
    },
    async (c) => {
      const row = await findWritable(c, c.req.param("id")!);
      assertConfigurableUrl(c, row.url, "url");
      return c.json(await probeServer(c, row));
    },
  )
  .endpoint(
    "delete",
    "/servers/:id",
    { summary: "Delete an MCP server (a rollback of the entry restores it, headers included).", access: "providers:write", response: serverView },
    async (c) => {
      const before = await findWritable(c, c.req.param("id")!);
      await commit(c, "delete", before, null, getDb(c.env.DB).delete(mcpServers).where(eq(mcpServers.id, before.id)));
      return c.json(await serverJson(c, before));
    },
  );
