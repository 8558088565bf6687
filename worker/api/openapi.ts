// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
// (zod's own JSON Schema output), and a readable reference page rendered from it.
import * as z from "zod";
import type { EndpointDoc } from "../core/endpoint-doc.ts";

type JsonObject = Record<string, unknown>;

const errorSchema: JsonObject = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonObject {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonObject;
  delete out.$schema;
  return out;
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, "{$1}");

function operation(doc: EndpointDoc): JsonObject {
  const parameters: JsonObject[] = [...doc.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (doc.query) {
    const query = jsonSchema(doc.query, "input");
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as JsonObject | undefined) ?? {})) {
      parameters.push({ name, in: "query", required: required.has(name), schema });
    }
  }
  const status = String(doc.status ?? 200);
  const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  return {
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    operationId: `${doc.method}${doc.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    "x-access": doc.access,
    ...(doc.access === "public" ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(doc.body, "input") } } } } : {}),
    responses: {
      [status]: doc.response
        ? { description: "Success", content: { "application/json": { schema: jsonSchema(doc.response, "output") } } }
        : { description: "Success" },
      "400": errorResponse("Invalid request"),
      ...(doc.access === "public" ? {} : { "401": errorResponse("Not signed in"), "403": errorResponse("Not allowed for this role") }),
    },
  };
}

export function buildOpenApiDocument(docs: EndpointDoc[], version: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const doc of docs) {
    const path = openApiPath(doc.path);
    paths[path] = { ...paths[path], [doc.method]: operation(doc) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "AI Aggregator API",
      version,
      description:
        "The gateway (/v1, OpenAI- and Anthropic-compatible, API key) and the control plane (/api, access token from /api/auth/login). Every /api error is { error: { code, message } }.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(docs.map((d) => d.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" }, apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key" } },
      schemas: { Error: errorSchema },
    },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A self-contained reference page (no scripts: it passes the strictest CSP). */
export function renderReference(docs: EndpointDoc[]): string {
  const byTag = new Map<string, EndpointDoc[]>();
  for (const doc of docs) byTag.set(doc.tag, [...(byTag.get(doc.tag) ?? []), doc]);
  const section = ([tag, list]: [string, EndpointDoc[]]) => `
  <section><h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${list
    .map(
      (d) => `
    <article>
      <h3><span class="m ${d.method}">${d.method.toUpperCase()}</span> <code>${escapeHtml(d.path)}</code></h3>
      <p>${escapeHtml(d.summary)} <small>access: ${escapeHtml(d.access)}</small></p>
      ${d.body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(jsonSchema(d.body, "input"), null, 2))}</pre></details>` : ""}
      ${d.query ? `<details><summary>Query</summary><pre>${escapeHtml(JSON.stringify(jsonSchema(d.query, "input"), null, 2))}</pre></details>` : ""}
    </article>`,
    )
    .join("")}
  </section>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>AI Aggregator API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1f}code,pre{font:13px ui-monospace,monospace}pre{background:#f4f4f7;padding:.75rem;overflow:auto}.m{display:inline-block;min-width:4.5rem;font:600 12px ui-monospace,monospace;padding:2px 6px;border-radius:4px;background:#e7e7ee}.post{background:#dff3e4}.delete{background:#fbe1e1}.patch,.put{background:#fdf0d5}small{color:#555;margin-left:.5rem}@media(prefers-color-scheme:dark){body{background:#141418;color:#eee}pre{background:#22222a}.m{background:#33333d}small{color:#aaa}}</style>
</head><body><h1>AI Aggregator API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<nav>${[...byTag.keys()].map((t) => `<a href="#${escapeHtml(t)}">${escapeHtml(t)}</a>`).join(" · ")}</nav>
${[...byTag.entries()].map(section).join("")}
</body></html>`;
}
