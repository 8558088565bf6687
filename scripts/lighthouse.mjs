#!/usr/bin/env node
// Lighthouse scores of the dashboard as `npm start` serves it: performance, accessibility and
// best practices of the login page and of the signed-in dashboard, each checked against 95.
//
//   npx node scripts/lighthouse.mjs                 build, start the app (as npm start), measure, stop
//   npx node scripts/lighthouse.mjs --url <origin>  measure a running app (--email/--password to sign in)
//   --desktop                                       desktop form factor instead of Lighthouse's mobile
//
// Lighthouse is a peer tool: installed on first run into bench/lighthouse (its own package.json,
// gitignored node_modules), never a dependency of the project. Chromium is Debian's
// (/usr/bin/chromium, or CHROME_PATH), headless. Reports are saved to test-results/lighthouse/.
// Exit code 1 when any score is below the target.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "..");
const toolDir = path.join(root, "bench/lighthouse");
const reportDir = path.join(root, "test-results/lighthouse");
const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const TARGET = 95;
const CATEGORIES = ["performance", "accessibility", "best-practices"];
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    desktop: { type: "boolean", default: false },
  },
});

const log = (text) => console.log(`\x1b[36m›\x1b[0m ${text}`);

function requireNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 19)) {
    console.error(`Lighthouse needs Node 22.19 or newer (this is ${process.version}); run it with the project's Node: npx node scripts/lighthouse.mjs`);
    process.exit(2);
  }
}

/** `npm install --prefix bench/lighthouse` unless it is there already. */
async function ensureLighthouse() {
  if (existsSync(path.join(toolDir, "node_modules/lighthouse/package.json"))) return;
  log("installing Lighthouse: npm install --prefix bench/lighthouse --no-audit --no-fund");
  const npmCli = process.env.npm_execpath;
  const [cmd, pre] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : ["npm", []];
  await new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, "install", "--prefix", toolDir, "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm install --prefix bench/lighthouse failed (${code})`))));
  });
}

/** A module from bench/lighthouse's node_modules. */
const fromTool = (name) =>
  import(
    pathToFileURL(
      path.join(
        toolDir,
        "node_modules",
        name,
        JSON.parse(readFileSync(path.join(toolDir, "node_modules", name, "package.json"), "utf8")).exports?.["."]?.import ??
          JSON.parse(readFileSync(path.join(toolDir, "node_modules", name, "package.json"), "utf8")).main ??
          "index.js",
      ),
    ).href
  );

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The app as `npm start` starts it, on a free port with a state directory of its own. */
async function startApp() {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-lighthouse-"));
  const port = await freePort();
  log(`starting the app (scripts/start.mjs) on 127.0.0.1:${port}`);
  const child = spawn(process.execPath, [path.join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, PORT: String(port), PERSIST_DIR: stateDir, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  while (!output.includes("AI Aggregator is serving on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const credentials = JSON.parse(readFileSync(path.join(stateDir, "local-credentials.json"), "utf8"));
  return { origin: `http://127.0.0.1:${port}`, email: credentials.adminEmail, password: credentials.adminPassword, stop };
}

/** Signs in in the measuring browser, so the refresh cookie and session hint are in its profile. */
async function signIn(port, origin, email, password) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  try {
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const page = await context.newPage();
    await page.goto(`${origin}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/dashboard", { timeout: 30_000 });
    await page.close();
  } finally {
    await browser.close(); // disconnects; Chromium keeps running
  }
}

function summary(lhr) {
  return Object.fromEntries(CATEGORIES.map((id) => [id, Math.round((lhr.categories[id]?.score ?? 0) * 100)]));
}

/** The audits that cost a category points, worst first. */
function offenders(lhr, category) {
  return (lhr.categories[category]?.auditRefs ?? [])
    .filter((ref) => ref.weight > 0)
    .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
    .filter(({ audit }) => audit && audit.score !== null && audit.score < 1)
    .sort((a, b) => b.ref.weight * (1 - b.audit.score) - a.ref.weight * (1 - a.audit.score))
    .slice(0, 6)
    .map(({ audit }) => `${audit.id} (${Math.round(audit.score * 100)}): ${audit.displayValue ?? audit.title}`);
}

async function main() {
  requireNode();
  await ensureLighthouse();
  const { default: lighthouse } = await fromTool("lighthouse");
  const chromeLauncher = await fromTool("chrome-launcher");

  const app = args.url ? { origin: args.url.replace(/\/+$/, ""), email: args.email, password: args.password, stop: async () => {} } : await startApp();
  const profile = mkdtempSync(path.join(os.tmpdir(), "aggregator-lighthouse-chrome-"));
  const chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: CHROME_FLAGS, userDataDir: profile, logLevel: "silent" });
  mkdirSync(reportDir, { recursive: true });
  const results = [];
  try {
    const flags = { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES };
    const config = args.desktop
      ? (await import(pathToFileURL(path.join(toolDir, "node_modules/lighthouse/core/config/desktop-config.js")).href)).default
      : undefined;
    const pages = [{ name: "login", url: `${app.origin}/login`, extra: {} }];
    if (app.email && app.password) pages.push({ name: "dashboard", url: `${app.origin}/dashboard`, extra: { disableStorageReset: true }, signIn: true });
    else log("no credentials: measuring the login page only (pass --email and --password with --url)");

    for (const page of pages) {
      if (page.signIn) await signIn(chrome.port, app.origin, app.email, app.password);
      log(`Lighthouse (${args.desktop ? "desktop" : "mobile"}): ${page.url}`);
      const run = await lighthouse(page.url, { ...flags, ...page.extra }, config);
      if (!run?.lhr) throw new Error(`Lighthouse returned no result for ${page.url}`);
      if (run.lhr.runtimeError) throw new Error(`${page.url}: ${run.lhr.runtimeError.message}`);
      writeFileSync(
        path.join(reportDir, `${page.name}${args.desktop ? "-desktop" : ""}.json`),
        typeof run.report === "string" ? run.report : JSON.stringify(run.lhr),
      );
      results.push({ name: page.name, lhr: run.lhr, scores: summary(run.lhr) });
    }
  } finally {
    await chrome.kill();
    rmSync(profile, { recursive: true, force: true });
    await app.stop();
  }

  let ok = true;
  console.log("");
  console.log(`Lighthouse ${results[0]?.lhr.lighthouseVersion ?? ""}, ${args.desktop ? "desktop" : "mobile (simulated throttling)"}, target ≥ ${TARGET}`);
  for (const { name, lhr, scores } of results) {
    console.log(`\n  ${name.padEnd(10)} ${lhr.finalDisplayedUrl}`);
    for (const id of CATEGORIES) {
      const pass = scores[id] >= TARGET;
      ok &&= pass;
      console.log(`    ${id.padEnd(15)} ${String(scores[id]).padStart(3)}  ${pass ? "\x1b[32m≥ 95\x1b[0m" : "\x1b[31m< 95\x1b[0m"}`);
      if (!pass) for (const line of offenders(lhr, id)) console.log(`        - ${line}`);
    }
  }
  console.log(`\n  reports: ${path.relative(root, reportDir)}/\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`\x1b[31mlighthouse failed:\x1b[0m ${error.stack ?? error.message}`);
  process.exit(2);
});
