// The layering rule of docs/architecture.md ("Layers"), checked: every import in worker/,
// durable-objects/ and web/src points down (or stays in its layer), worker/core uses no
// drizzle or hono, and no runtime import cycle. Run by `npm test`; exits 1 naming each
// offending import. Test files (*.test.ts, *.test.tsx) may import anything and are not read.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");

/** Top to bottom: a file may import its own layer and the layers below it, nothing above. */
export const LAYERS = [
  { name: "entry", paths: ["worker/index.ts", "worker/app.ts", "worker/seed.ts"] },
  { name: "api", paths: ["worker/api/"] },
  { name: "gateway", paths: ["worker/gateway/", "worker/middleware/", "worker/assets.ts"] },
  { name: "env", paths: ["worker/env.ts"] },
  { name: "durable-objects", paths: ["durable-objects/"] },
  { name: "services", paths: ["worker/services/"] },
  { name: "db", paths: ["worker/db/"] },
  { name: "core", paths: ["worker/core/"] },
];
/** The PWA talks to the Worker over HTTP only: it imports nothing outside web/src. */
const WEB = { name: "web", paths: ["web/src/"] };
/** Packages a layer may not use, whatever imports them. */
const FORBIDDEN_PACKAGES = { core: ["drizzle-orm", "hono"] };

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const isTest = (file) => /\.test\.tsx?$/.test(file);

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (SOURCE.test(entry.name) && !isTest(rel)) out.push(rel);
  }
  return out;
}

const layerOf = (file) => [...LAYERS, WEB].find((layer) => layer.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
const rank = (layer) => LAYERS.indexOf(layer);

/** Static imports and re-exports, `import("…")` calls and `import("…")` types, with whether each is erased at build. */
export function importsOf(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found = [];
  const add = (node, specifier, typeOnly) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ specifier, typeOnly, line });
  };
  const visit = (node) => {
    // Under verbatimModuleSyntax only `import type` / `export type` are erased: `import { type A }` still loads the module.
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, !!node.importClause?.isTypeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function resolve(from, specifier, known) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) if (known.has(candidate)) return candidate;
  return base;
}

const packageOf = (specifier) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]);

/** `files`: repo-relative path → source text. Returns the problems, each one line. */
export function check(files) {
  const known = new Set(files.keys());
  const problems = [];
  const graph = new Map();
  for (const [file, text] of files) {
    const from = layerOf(file);
    const edges = [];
    graph.set(file, edges);
    for (const imp of importsOf(file, text)) {
      const where = `${file}:${imp.line}`;
      if (!imp.specifier.startsWith(".")) {
        const pkg = packageOf(imp.specifier);
        if (from && FORBIDDEN_PACKAGES[from.name]?.includes(pkg))
          problems.push(`${where} imports '${imp.specifier}': worker/core uses no ${pkg} (queries belong in worker/db, HTTP in worker/api or worker/gateway)`);
        continue;
      }
      const target = resolve(file, imp.specifier, known);
      const to = layerOf(target);
      if (from && to && from !== to && (from === WEB || to === WEB || rank(to) < rank(from))) {
        const why =
          from === WEB || to === WEB ? "the PWA and the Worker share no code (HTTP only)" : `${from.name} may not import ${to.name}, a layer above it`;
        problems.push(`${where} imports '${imp.specifier}' (${target}): ${why}`);
      } else if (from && !to) {
        problems.push(`${where} imports '${imp.specifier}' (${target}), outside the layered source tree`);
      }
      if (known.has(target) && !imp.typeOnly) edges.push(target);
    }
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")} → ${cycle[0]}`);
  return problems;
}

/** One cycle through each strongly connected component of more than one file (Tarjan), in import order. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const connect = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0];
    // Shortest path back to the start inside the component, so the message is one readable loop.
    const previous = new Map([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      for (const w of graph.get(v) ?? []) {
        if (w === start) {
          const loop = [];
          for (let at = v; at !== null; at = previous.get(at)) loop.unshift(at);
          return loop;
        }
        if (members.has(w) && !previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return component;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = new Map(["worker", "durable-objects", "web/src"].flatMap(sourceFiles).map((file) => [file, readFileSync(path.join(root, file), "utf8")]));
  const problems = check(files);
  if (problems.length) {
    console.error(
      `Layering (docs/architecture.md, "Layers"): ${problems.length} problem(s) in ${files.size} files\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    process.exit(1);
  }
  console.log(`Layering: ${files.size} files, every import points down, no import cycle.`);
}
