// The workerd config `npm start` serves the app with (scripts/lib/serve.mjs), written as text
// Cap'n Proto (workerd's src/workerd/server/workerd.capnp) next to the bundle; in local/ beside
// it the app's entry module, the assets' snapshot and the shims (d1.ts, assets.ts, cache.ts,
// static-routing.ts, compiled here with the esbuild wrangler depends on). Input: wrangler.toml
// as Miniflare options (worker-options.mjs).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { root } from "../run.mjs";

const requireFromWrangler = createRequire(createRequire(path.join(root, "package.json")).resolve("wrangler/package.json"));
const SHIMS = ["d1", "r2", "r2-api", "assets", "cache", "static-routing"];
/** Where, next to the bundle, the shims and the app's entry module go. */
const LOCAL = "local";
// The shims' own date: they do not change with the app's.
const SHIM_COMPATIBILITY_DATE = "2025-09-01";
/** What the options may hold (once empty ones are dropped): anything else is refused, not silently left out. */
const SUPPORTED = new Set(["compatibilityDate", "compatibilityFlags", "bindings", "d1Databases", "r2Buckets", "durableObjects", "assets"]);

// ------------------------------------------------------------------------------ Cap'n Proto text

const RAW = Symbol("capnp");
const raw = (text) => ({ [RAW]: text });
const embed = (file) => raw(`embed ${quote(file)}`);

/** A Text literal; every byte outside printable ASCII escaped (the parser reads bytes, Text is UTF-8). */
function quote(text) {
  let out = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\x${byte.toString(16).padStart(2, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** JS value → Cap'n Proto text: objects are structs, arrays lists, strings Text; short ones on one line. */
function capnp(value, indent = "") {
  const inner = `${indent}  `;
  if (value?.[RAW] !== undefined) return value[RAW];
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const [open, close, items] = Array.isArray(value)
    ? ["[", "]", value.map((v) => capnp(v, inner))]
    : ["(", ")", Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [`${k} = ${capnp(v, inner)}`]))];
  const line = `${open}${items.join(", ")}${close}`;
  return line.length <= 120 && !line.includes("\n") ? line : `${open}\n${items.map((item) => `${inner}${item}`).join(",\n")}\n${indent}${close}`;
}

// ------------------------------------------------------------------------------------- assets

const CONTENT_TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  xml: "application/xml",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/vnd.microsoft.icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  pdf: "application/pdf",
};
/** Files the asset server never serves: its own configuration (and dotfiles, which the disk service refuses). */
const NOT_ASSETS = new Set(["_headers", "_redirects", "_routes.json", "_worker.js"]);

function listFiles(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".")) return [];
    const rel = `${prefix}/${entry.name}`;
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), rel) : [rel];
  });
}

/** Cloudflare's `_headers`: a path pattern, then indented `Name: value` (or `! Name` to remove one). */
function parseHeadersFile(text) {
  const rules = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), set: [], unset: [] });
      continue;
    }
    const rule = rules.at(-1);
    if (!rule) throw new Error(`_headers: a header before any path: ${line.trim()}`);
    const unset = /^\s*!\s*(\S+)\s*$/.exec(line);
    const colon = line.indexOf(":");
    if (unset) rule.unset.push(unset[1]);
    else if (colon > 0) rule.set.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  // Rules for other hosts (`https://…`) do not apply on 127.0.0.1.
  return rules.filter((rule) => rule.pattern.startsWith("/"));
}

/** The snapshot's manifest for assets.ts: path → ETag and Content-Type, the _headers rules, SPA or not. */
function assetsManifest(dir, notFoundHandling) {
  const files = {};
  for (const file of listFiles(dir)) {
    if (NOT_ASSETS.has(file.slice(1))) continue;
    const ext = path.extname(file).slice(1).toLowerCase();
    const etag = createHash("sha256")
      .update(readFileSync(path.join(dir, file)))
      .digest("hex")
      .slice(0, 32);
    files[file] = { etag, type: CONTENT_TYPES[ext] ?? "application/octet-stream" };
  }
  const headersFile = path.join(dir, "_headers");
  const headers = existsSync(headersFile) ? parseHeadersFile(readFileSync(headersFile, "utf8")) : [];
  return { files, headers, spa: notFoundHandling === "single-page-application" };
}

// --------------------------------------------------------------------------------------- config

/** The shims, TypeScript → JavaScript modules in `outdir`. */
async function compileShims(outdir) {
  mkdirSync(outdir, { recursive: true });
  const esbuild = requireFromWrangler("esbuild");
  await esbuild.build({
    entryPoints: SHIMS.map((name) => path.join(import.meta.dirname, `${name}.ts`)),
    outdir,
    format: "esm",
    target: "es2022",
    logLevel: "error",
  });
  await esbuild.stop?.();
}

/** wrangler.toml's [vars], .dev.vars and the bindings passed in, for workerd: strings as text, the rest as JSON. */
const plainBindings = (vars) =>
  Object.entries(vars).map(([name, value]) => (typeof value === "string" ? { name, text: value } : { name, json: JSON.stringify(value) }));

/** The bundle's files as the app's modules, named by their path in the project (as stack traces and the profiler show them). */
function bundleModules(buildDir, prefix) {
  return readdirSync(buildDir)
    .filter((file) => /\.(m?js|wasm)$/.test(file))
    .map((file) => ({ name: `${prefix}/${file}`, [file.endsWith(".wasm") ? "wasm" : "esModule"]: embed(file) }));
}

/** Miniflare's options come with empty defaults for every kind of binding (`email: { send_email: [] }` too). */
const isEmpty = (v) => v === undefined || (Array.isArray(v) ? v.length === 0 : v !== null && typeof v === "object" && Object.values(v).every(isEmpty));

/** The app's Durable Object namespaces, stored where Miniflare stores them: <stateDir>/v3/do/<name>-<ClassName>/. */
function durableObjects(name, options) {
  return Object.entries(options.durableObjects ?? {}).map(([binding, designator]) => {
    const spec = typeof designator === "string" ? { className: designator } : designator;
    if (spec.scriptName && spec.scriptName !== name)
      throw new Error(`${binding}: Durable Objects of another Worker (${spec.scriptName}) are not served locally`);
    return { binding, className: spec.className, uniqueKey: `${name}-${spec.className}`, enableSql: Boolean(spec.useSQLite) };
  });
}

/** D1 bindings (workerd's own D1 client over d1.ts) and the d1 service, on the files `wrangler d1 --local` writes. */
function d1(options, stateDir) {
  const databases = Object.entries(options.d1Databases ?? {});
  const bindings = databases.map(([name, database]) => {
    const fetcher = { name: "d1", props: { json: JSON.stringify({ id: typeof database === "string" ? database : database.id }) } };
    return { name, wrapped: { moduleName: "cloudflare-internal:d1-api", innerBindings: [{ name: "fetcher", service: fetcher }] } };
  });
  if (databases.length === 0) return { bindings, services: [] };
  const storage = path.join(stateDir, "v3/d1");
  mkdirSync(storage, { recursive: true });
  const worker = {
    modules: [{ name: "d1.js", esModule: embed(`${LOCAL}/d1.js`) }],
    compatibilityDate: SHIM_COMPATIBILITY_DATE,
    bindings: [{ name: "DATABASES", durableObjectNamespace: { className: "D1DatabaseObject" } }],
    durableObjectNamespaces: [{ className: "D1DatabaseObject", uniqueKey: "miniflare-D1DatabaseObject", enableSql: true }],
    durableObjectStorage: { localDisk: "d1-storage" },
  };
  return {
    bindings,
    services: [
      { name: "d1", worker },
      { name: "d1-storage", disk: { path: storage, writable: true } },
    ],
  };
}

/** The R2 binding module's name: an internal extension module, usable only as a wrapped binding. */
const R2_API_MODULE = "aggregator-local:r2-api";

/**
 * R2 bindings: a wrapped binding (r2-api.ts) per bucket over RPC to the r2 service (r2.ts), one
 * Durable Object per bucket name, stored under <stateDir>/v3/r2.
 */
function r2(options, stateDir) {
  const buckets = Object.entries(options.r2Buckets ?? {});
  const bindings = buckets.map(([name, bucket]) => {
    const store = { name: "r2", props: { json: JSON.stringify({ bucket: typeof bucket === "string" ? bucket : (bucket.id ?? name) }) } };
    return { name, wrapped: { moduleName: R2_API_MODULE, innerBindings: [{ name: "store", service: store }] } };
  });
  if (buckets.length === 0) return { bindings, services: [], extensions: [] };
  const storage = path.join(stateDir, "v3/r2");
  mkdirSync(storage, { recursive: true });
  const worker = {
    modules: [{ name: "r2.js", esModule: embed(`${LOCAL}/r2.js`) }],
    compatibilityDate: SHIM_COMPATIBILITY_DATE,
    bindings: [{ name: "BUCKETS", durableObjectNamespace: { className: "R2BucketObject" } }],
    durableObjectNamespaces: [{ className: "R2BucketObject", uniqueKey: "aggregator-local-R2BucketObject", enableSql: true }],
    durableObjectStorage: { localDisk: "r2-storage" },
  };
  return {
    bindings,
    services: [
      { name: "r2", worker },
      { name: "r2-storage", disk: { path: storage, writable: true } },
    ],
    extensions: [{ modules: [{ name: R2_API_MODULE, internal: true, esModule: embed(`${LOCAL}/r2-api.js`) }] }],
  };
}

/** The asset server over a snapshot of the assets directory, and the app's entry module that routes to it. */
function staticAssets(assets, buildDir) {
  if (!assets) return { bindings: [], services: [], entry: `export * from "../index.js";\nexport { default } from "../index.js";\n` };
  const routing = assets.routerConfig?.static_routing ?? (assets.routerConfig?.invoke_user_worker_ahead_of_assets ? { user_worker: ["/*"] } : undefined);
  if (!routing) throw new Error("npm start on bare workerd serves [assets] with run_worker_first only (a list of paths, or true)");
  const binding = assets.binding ?? "ASSETS";
  const snapshot = path.join(buildDir, LOCAL, "assets");
  cpSync(assets.directory, snapshot, { recursive: true });
  const manifest = assetsManifest(snapshot, assets.assetConfig?.not_found_handling);
  const worker = {
    modules: [{ name: "assets.js", esModule: embed(`${LOCAL}/assets.js`) }],
    compatibilityDate: SHIM_COMPATIBILITY_DATE,
    bindings: [
      { name: "FILES", service: "assets-files" },
      { name: "CONFIG", json: JSON.stringify(manifest) },
    ],
  };
  const entry = [
    `import app from "../index.js";`,
    `import { withStaticRouting } from "./static-routing.js";`,
    `export * from "../index.js";`,
    `export default withStaticRouting(app, ${JSON.stringify(routing)}, ${JSON.stringify(binding)});`,
    "",
  ].join("\n");
  return {
    bindings: [{ name: binding, service: "assets" }],
    services: [
      { name: "assets", worker },
      { name: "assets-files", disk: { path: snapshot, writable: false } },
    ],
    entry,
  };
}

/**
 * Writes `<buildDir>/config.capnp` (0600: it holds .dev.vars' secrets) and the modules it embeds.
 * The app's Worker is the service `core:user:<name>`, as under Miniflare: bench/profile.mjs finds
 * its inspector target by that name.
 */
export async function writeWorkerdConfig({ buildDir, name, workerOptions, host, port, stateDir, bindings }) {
  const options = Object.fromEntries(Object.entries(workerOptions).filter(([key, v]) => !isEmpty(v) && key !== "rootPath" && key !== "modulesRules"));
  const unsupported = Object.keys(options).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`wrangler.toml asks for what npm start cannot serve on bare workerd yet: ${unsupported.join(", ")}`);

  await compileShims(path.join(buildDir, LOCAL));
  const prefix = path.relative(root, buildDir).split(path.sep).join("/");
  const objects = durableObjects(name, options);
  const database = d1(options, stateDir);
  const buckets = r2(options, stateDir);
  const assets = staticAssets(options.assets, buildDir);
  writeFileSync(path.join(buildDir, LOCAL, "entry.js"), assets.entry);
  if (objects.length) mkdirSync(path.join(stateDir, "v3/do"), { recursive: true });

  const app = {
    name: `core:user:${name}`,
    worker: {
      modules: [
        { name: `${prefix}/${LOCAL}/entry.js`, esModule: embed(`${LOCAL}/entry.js`) },
        ...bundleModules(buildDir, prefix),
        ...(options.assets ? [{ name: `${prefix}/${LOCAL}/static-routing.js`, esModule: embed(`${LOCAL}/static-routing.js`) }] : []),
      ],
      compatibilityDate: options.compatibilityDate,
      compatibilityFlags: options.compatibilityFlags ?? [],
      bindings: [
        ...plainBindings({ ...options.bindings, ...bindings }),
        ...objects.map(({ binding, className }) => ({ name: binding, durableObjectNamespace: { className } })),
        ...database.bindings,
        ...buckets.bindings,
        ...assets.bindings,
      ],
      durableObjectNamespaces: objects.map(({ className, uniqueKey, enableSql }) => ({ className, uniqueKey, enableSql })),
      durableObjectStorage: objects.length ? { localDisk: "do-storage" } : undefined,
      cacheApiOutbound: "cache",
    },
  };
  const services = [
    app,
    ...database.services,
    ...buckets.services,
    ...assets.services,
    ...(objects.length ? [{ name: "do-storage", disk: { path: path.join(stateDir, "v3/do"), writable: true } }] : []),
    { name: "cache", worker: { modules: [{ name: "cache.js", esModule: embed(`${LOCAL}/cache.js`) }], compatibilityDate: SHIM_COMPATIBILITY_DATE } },
    // The providers of a local run are often mocks on 127.0.0.1: fetch() may reach any address.
    { name: "internet", network: { allow: ["public", "private", "local"], tlsOptions: { trustBrowserCas: true } } },
  ];

  // Every client of a loopback listener is on this machine: the app sees the address Cloudflare would send.
  const clientIp = { "127.0.0.1": "127.0.0.1", localhost: "127.0.0.1", "::1": "::1" }[host];
  const http = clientIp ? { injectRequestHeaders: [{ name: "CF-Connecting-IP", value: clientIp }] } : {};
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const config = { services, sockets: [{ name: "http", address, http, service: app.name }], extensions: buckets.extensions };

  const file = path.join(buildDir, "config.capnp");
  writeFileSync(file, `using Workerd = import "/workerd/workerd.capnp";\n\nconst config :Workerd.Config = ${capnp(config)};\n`, { mode: 0o600 });
  return file;
}
