// The production bundle builds offline (wrangler deploy --dry-run) and stays small enough to
// start fast: under 1 MiB gzip, Cloudflare's free-plan limit being 3 MiB.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./server.ts";

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
      const gzip = gzipSync(bundle, { level: 9 }).length;
      console.log(`worker bundle: ${(bundle.length / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`);
      expect(gzip).toBeLessThan(1024 * 1024);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
