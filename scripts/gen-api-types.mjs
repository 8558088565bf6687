#!/usr/bin/env node
// Generates the dashboard's API types (web/src/api/schema.d.ts) from the OpenAPI document.
//
//   node scripts/gen-api-types.mjs                 read the saved copy web/src/api/openapi.json
//   node scripts/gen-api-types.mjs --url <origin>  fetch <origin>/api/openapi.json, save it, generate
//   node scripts/gen-api-types.mjs --check         exit 1 if schema.d.ts is not what the saved copy gives
//
// The document is zod's JSON Schema (draft 2020-12) output, so only that subset is handled:
// type (string or list), enum, const, anyOf/oneOf/allOf, properties/required,
// additionalProperties, items, $ref to #/components/schemas, description.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const savedCopy = path.join(root, "web/src/api/openapi.json");
const output = path.join(root, "web/src/api/schema.d.ts");
const METHODS = ["get", "post", "put", "patch", "delete"];

const indent = (text, depth) => text.replaceAll("\n", `\n${"  ".repeat(depth)}`);
const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
const literal = (value) => JSON.stringify(value);

function comment(schema) {
  const text = typeof schema?.description === "string" ? schema.description.trim() : "";
  return text ? `/** ${text.replaceAll("*/", "*\\/")} */\n` : "";
}

function union(parts) {
  const unique = [...new Set(parts)];
  if (unique.includes("unknown")) return "unknown";
  return unique.join(" | ") || "never";
}

function objectType(schema) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(props).map(([name, prop]) => `${comment(prop)}${key(name)}${required.has(name) ? "" : "?"}: ${toType(prop)};`);
  const extra = schema.additionalProperties;
  if (extra && typeof extra === "object") lines.push(`[key: string]: ${toType(extra)};`);
  else if (extra === undefined && lines.length === 0) return "Record<string, unknown>";
  if (lines.length === 0) return "Record<string, never>";
  return `{\n  ${lines.map((l) => indent(l, 1)).join("\n  ")}\n}`;
}

/** A JSON Schema node as a TypeScript type expression. */
export function toType(schema) {
  if (schema === true || schema === undefined || schema === null) return "unknown";
  if (schema === false) return "never";
  if (typeof schema.$ref === "string") {
    const match = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
    if (!match) throw new Error(`unsupported $ref ${schema.$ref}`);
    return `components["schemas"][${literal(match[1])}]`;
  }
  if ("const" in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return union((schema.anyOf ?? schema.oneOf).map(wrap));
  if (Array.isArray(schema.allOf)) return schema.allOf.map(wrap).join(" & ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? objectType(schema) : "unknown";
  return union(types.map((type) => single(type, schema)));
}

function single(type, schema) {
  switch (type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      if (Array.isArray(schema.prefixItems)) return `[${schema.prefixItems.map(toType).join(", ")}]`;
      return `${wrap(schema.items)}[]`;
    }
    case "object":
      return objectType(schema);
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

/** Parenthesized when it is a union or intersection, so `T[]` and `A | B` compose. */
function wrap(schema) {
  const type = toType(schema);
  return /^[\w."[\]]+$/.test(type) || type.startsWith("{") ? type : `(${type})`;
}

function jsonBody(container) {
  return container?.content?.["application/json"]?.schema;
}

function parametersType(parameters, where) {
  const list = (parameters ?? []).filter((p) => p.in === where);
  if (list.length === 0) return "never";
  const lines = list.map((p) => `${comment(p.schema)}${key(p.name)}${p.required ? "" : "?"}: ${toType(p.schema)};`);
  return `{\n  ${lines.map((l) => indent(l, 1)).join("\n  ")}\n}`;
}

/** The success answer: the first 2xx; no body is `undefined`, an undocumented body `unknown`. */
function responseType(responses) {
  const status = Object.keys(responses ?? {}).find((s) => /^2\d\d$/.test(s));
  if (!status) return { status: 200, type: "unknown" };
  const schema = jsonBody(responses[status]);
  if (schema) return { status: Number(status), type: toType(schema) };
  return { status: Number(status), type: status === "204" ? "undefined" : "unknown" };
}

function operationType(op) {
  const body = jsonBody(op.requestBody);
  const { status, type } = responseType(op.responses);
  const fields = [
    `/** ${(op.summary ?? "").replaceAll("*/", "*\\/")} Access: ${op["x-access"] ?? "?"}. */`,
    `operationId: ${literal(op.operationId)};`,
    `path: ${parametersType(op.parameters, "path")};`,
    `query: ${parametersType(op.parameters, "query")};`,
    `body: ${body ? toType(body) : "never"};`,
    `status: ${status};`,
    `response: ${type};`,
  ];
  return `{\n  ${fields.map((l) => indent(l, 1)).join("\n  ")}\n}`;
}

/** The whole declaration file for an OpenAPI document. */
export function generate(doc) {
  const out = [
    "// Generated by scripts/gen-api-types.mjs from web/src/api/openapi.json — do not edit.",
    `// ${doc.info?.title ?? "API"}, OpenAPI ${doc.openapi}. Regenerate: node scripts/gen-api-types.mjs [--url <origin>]`,
    "",
    "export interface components {",
    "  schemas: {",
  ];
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    out.push(`    ${key(name)}: ${indent(toType(schema), 2)};`);
  }
  out.push("  };", "}", "", "export interface Paths {");
  for (const [route, item] of Object.entries(doc.paths ?? {})) {
    out.push(`  ${literal(route)}: {`);
    for (const method of METHODS) {
      if (item[method]) out.push(`    ${method}: ${indent(operationType(item[method]), 2)};`);
    }
    out.push("  };");
  }
  out.push("}", "");
  return out.join("\n");
}

async function main(args) {
  const urlIndex = args.indexOf("--url");
  let text;
  if (urlIndex >= 0) {
    const origin = args[urlIndex + 1];
    if (!origin) throw new Error("--url needs an origin, e.g. http://127.0.0.1:8787");
    const res = await fetch(new URL("/api/openapi.json", origin));
    if (!res.ok) throw new Error(`GET /api/openapi.json answered ${res.status}`);
    text = `${JSON.stringify(await res.json(), null, 2)}\n`;
    writeFileSync(savedCopy, text);
    console.log(`saved ${path.relative(root, savedCopy)}`);
  } else {
    text = readFileSync(savedCopy, "utf8");
  }
  const generated = generate(JSON.parse(text));
  if (args.includes("--check")) {
    const current = readFileSync(output, "utf8");
    if (current !== generated) {
      console.error(`${path.relative(root, output)} is out of date: run node scripts/gen-api-types.mjs`);
      process.exit(1);
    }
    console.log(`${path.relative(root, output)} is up to date`);
    return;
  }
  writeFileSync(output, generated);
  console.log(`wrote ${path.relative(root, output)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
