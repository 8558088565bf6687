// The production bundles stay small enough to start fast: the Worker builds offline (wrangler
// deploy --dry-run) under 1 MiB gzip, Cloudflare's free-plan limit being 3 MiB; the JavaScript
// the login page loads is at most 60 KB gzip (issue 7's budget).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Response } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { repoRoot } from "./server.ts";

const LOGIN_JS_BUDGET = 60_000;

const gzipSize = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

describe("wrangler deploy --dry-run", () => {
  it("builds the Worker bundle under 1 MiB gzip", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "aggregator-bundle-"));
    try {
      const require = createRequire(path.join(repoRoot, "package.json"));
      const wrangler = path.join(path.dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");
      execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", out], {
        cwd: repoRoot,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        stdio: "pipe",
      });
      const bundle = readFileSync(path.join(out, "index.js"));
      const gzip = gzipSize(bundle);
      console.log(`worker bundle: ${(bundle.length / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`);
      expect(gzip).toBeLessThan(1024 * 1024);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/**
 * Every script a fresh browser fetches until /login has rendered and the network is idle: the
 * entry, its modulepreloads and the lazily loaded page chunk. The local server does not compress,
 * so each body is gzipped here.
 */
async function loginPageScripts(browser: Browser): Promise<Map<string, number>> {
  const page = await browser.newPage();
  const scripts: Response[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response);
  });
  await page.goto(`${inject("origin")}/login`, { waitUntil: "networkidle" });
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const sizes = new Map<string, number>();
  for (const response of scripts) sizes.set(new URL(response.url()).pathname, gzipSize(await response.body()));
  await page.close();
  return sizes;
}

describe("login page JavaScript", () => {
  it(`loads at most ${kb(LOGIN_JS_BUDGET)} gzip`, async () => {
    const browser = await launchBrowser();
    try {
      const sizes = await loginPageScripts(browser);
      const total = [...sizes.values()].reduce((a, b) => a + b, 0);
      const files = [...sizes].map(([file, size]) => `${file} ${kb(size)}`).join(", ");
      console.log(`login page JS: ${kb(total)} gzip in ${sizes.size} files (${files})`);
      expect(sizes.size).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(LOGIN_JS_BUDGET);
    } finally {
      await browser.close();
    }
  });
});
