// Helpers the benchmark scripts share (bench/durable-objects.mjs, side-by-side.mjs,
// load-suite.mjs): settings from the environment, a clean-up stack that also runs on Ctrl-C,
// control-plane calls, the machine and its load, number formatting, the report file.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { projectNode, repoRoot } from "./app.mjs";

/**
 * The benchmarks need Node 22 (the project's: `npm run` puts it first on PATH). Run with an
 * older one (`node bench/….mjs`), this runs the same script again with the project's Node and
 * exits with its code.
 */
export function requireNode22() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return;
  const node = projectNode();
  if (node === process.execPath) throw new Error(`Node 22 or later is needed (this is ${process.version}); run npm install first`);
  const r = spawnSync(node, process.argv.slice(1), { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

export function intEnv(name, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not '${raw}'`);
  return value;
}

export function listEnv(name, fallback) {
  const raw = process.env[name];
  return (raw === undefined || raw === "" ? fallback : raw)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A stack of clean-ups run in reverse order, once: at the end, on failure, on SIGINT/SIGTERM and
 * (the synchronous last resorts) on process exit. `watchdog(seconds)` bounds the whole run.
 */
export function lifecycle() {
  const cleanups = [];
  const lastResorts = [];
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (error) {
          console.error(`cleanup: ${error.message}`);
        }
      }
    })());
  process.on("exit", () => {
    for (const fn of lastResorts) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping everything the benchmark started…`);
      cleanup().finally(() => process.exit(130));
    });
  }
  return {
    cleanup,
    defer: (fn) => cleanups.push(fn),
    lastResort: (fn) => lastResorts.push(fn),
    /** For startApp's `register`. */
    register: ({ stop, kill }) => {
      cleanups.push(stop);
      lastResorts.push(kill);
    },
    watchdog(seconds, name) {
      const timer = setTimeout(() => {
        console.error(`\x1b[31mThe run went past ${name}=${seconds}s; stopping.\x1b[0m`);
        cleanup().finally(() => process.exit(1));
      }, seconds * 1000);
      timer.unref();
    },
  };
}

export const log = (text) => console.log(`\x1b[36m›\x1b[0m ${text}`);

/** A control-plane call; throws with the answer when it is not 2xx. */
export async function api(origin, method, pathname, { token, body } = {}) {
  const res = await fetch(`${origin}${pathname}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

export async function login(app) {
  const { access_token: token } = await api(app.origin, "POST", "/api/auth/login", {
    body: { email: app.credentials.adminEmail, password: app.credentials.adminPassword },
  });
  return token;
}

export function versionOf(pkg, from = repoRoot) {
  try {
    const require = createRequire(path.join(from, "package.json"));
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;
  } catch {
    return "unknown";
  }
}

export function versions() {
  return {
    node: process.version,
    wrangler: versionOf("wrangler"),
    workerd: versionOf("workerd", path.dirname(createRequire(path.join(repoRoot, "package.json")).resolve("wrangler/package.json"))),
  };
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

export const loadavg = () => os.loadavg().map((v) => Number(v.toFixed(2)));
export const round = (v, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
export const fmtMs = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2));
export const fmtAdded = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : `${v >= 0 ? "+" : ""}${v.toFixed(Math.abs(v) >= 10 ? 1 : 2)}`);
export const fmtRps = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
export const fmtMiB = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : "–");
export const pad = (s, n) => String(s).padStart(n);
export const padEnd = (s, n) => String(s).padEnd(n);
export const red = (s) => `\x1b[31m${s}\x1b[0m`;
export const green = (s) => `\x1b[32m${s}\x1b[0m`;
export const bold = (s) => `\x1b[1m${s}\x1b[0m`;
export const mark = (met) => (met === null || met === undefined ? "?      " : met ? green("met    ") : red("NOT met"));

/** Nearest-rank percentiles of a list of numbers. */
export function stats(values) {
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] : NaN);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    n: sorted.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    mean: sorted.length ? sum / sorted.length : NaN,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export const roundStats = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === "n" ? v : round(v)]));

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        await fn(i);
      }
    }),
  );
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function writeReport(file, report) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return path.relative(process.cwd(), file) || file;
}

/** The header lines every report starts with. */
export function preamble(title, { loadBefore, loadAfter, extra = [] }) {
  const m = machine();
  const v = versions();
  return [
    "",
    bold(title),
    `machine   ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`,
    `load avg  ${loadBefore.join(" ")} before · ${loadAfter.join(" ")} after  (shared machine: expect noise; compare ratios within one run)`,
    `versions  node ${v.node}, wrangler ${v.wrangler}, workerd ${v.workerd}`,
    ...extra,
  ];
}
