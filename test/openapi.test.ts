// /api/openapi.json describes every endpoint from the same zod schemas the routes validate with.
import { describe, expect, it } from "vitest";
import committed from "../web/src/api/openapi.json";
import { apiDocs } from "../worker/api/index.ts";
import { call, json } from "./kit/fixtures.ts";

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: { "application/json": { schema: { properties?: Record<string, unknown>; required?: string[] } } } };
        "x-access": string;
        parameters?: { name: string; in: string }[];
      }
    >
  >;
}

describe("OpenAPI", () => {
  it("lists every /api and /v1 endpoint with its access and schemas", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = await json<OpenApi>(res);
    expect(doc.openapi).toBe("3.1.0");
    for (const d of apiDocs) {
      const path = d.path.replace(/:(\w+)/g, "{$1}");
      expect(doc.paths[path]?.[d.method], `${d.method} ${path}`).toBeDefined();
      expect(doc.paths[path]![d.method]!["x-access"]).toBe(d.access);
    }
    for (const path of ["/v1/chat/completions", "/v1/messages", "/v1/embeddings", "/v1/models"]) expect(Object.keys(doc.paths)).toContain(path);
    const createKey = doc.paths["/api/keys"]!.post!.requestBody!.content["application/json"].schema;
    expect(createKey.required).toEqual(["name"]);
    expect(Object.keys(createKey.properties ?? {})).toEqual(expect.arrayContaining(["name", "rpm_limit", "tpm_limit", "models", "expires_at"]));
    expect(doc.paths["/api/keys/{id}"]!.patch!.parameters).toContainEqual(expect.objectContaining({ name: "id", in: "path" }));
  });

  it("is the document the PWA's types are generated from (web/src/api/openapi.json)", async () => {
    // On a difference: node scripts/gen-api-types.mjs --url <origin of a running app>
    expect(await json(await call("/api/openapi.json"))).toEqual(committed);
  });

  it("serves a readable reference without scripts", async () => {
    const res = await call("/api/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>AI Aggregator API</h1>");
    expect(html).toContain("/api/keys");
    expect(html).not.toContain("<script");
  });
});
