// What `npm start` promises a new user: a working curl, one seed however often it starts,
// the PWA and the API on one origin.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { repoRoot } from "./server.ts";

const origin = inject("origin");
const credentials = inject("credentials");

function printedCurl(output: string): string {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.trim().startsWith("curl "));
  const end = lines.findIndex((l, i) => i > start && l.trim().startsWith("-d "));
  return lines.slice(start, end + 1).join("\n");
}

function d1(sql: string): Record<string, unknown>[] {
  const require = createRequire(path.join(repoRoot, "package.json"));
  const wrangler = path.join(path.dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");
  const out = execFileSync(process.execPath, [wrangler, "d1", "execute", "DB", "--local", "--persist-to", inject("stateDir"), "--json", "--command", sql], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  return (JSON.parse(out) as { results: Record<string, unknown>[] }[])[0]!.results;
}

describe("npm start", () => {
  it("prints the login, the key and a curl line that answers a chat.completion", () => {
    const output = inject("secondStartOutput");
    expect(output).toContain(credentials.adminEmail);
    expect(output).toContain(credentials.adminPassword);
    const curl = printedCurl(output);
    expect(curl).toContain(credentials.apiKey);
    const body = JSON.parse(execFileSync("bash", ["-c", `${curl} --silent --show-error`], { encoding: "utf8" })) as {
      object: string;
      choices: { message: { content: string } }[];
      usage: { total_tokens: number };
    };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello, gateway!");
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("seeds once however often it starts", () => {
    expect(inject("firstStartOutput")).toContain(credentials.apiKey);
    // Usage rows are left out: the call above reaches the ledger once its minute has closed, which may be now.
    const [counts] = d1(
      "SELECT (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM memberships) AS memberships, (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM providers) AS providers, (SELECT count(*) FROM ledger_entries WHERE kind <> 'usage') AS ledger, (SELECT sum(amount_micros) FROM ledger_entries WHERE kind <> 'usage') AS credit",
    );
    expect(counts).toEqual({ tenants: 1, users: 1, memberships: 1, keys: 1, providers: 1, ledger: 1, credit: 100_000_000 });
  });

  it("streams with the printed key and ends in [DONE]", async () => {
    const res = await fetch(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${credentials.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo/lorem", max_tokens: 5, stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    expect((await res.text()).trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("serves the PWA with SPA fallback, and never index.html for /api or /v1", async () => {
    for (const page of ["/", "/login", "/dashboard", "/some/deep/route"]) {
      const res = await fetch(`${origin}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get("content-type"), page).toMatch(/^text\/html/);
      expect(await res.text(), page).toContain('<div id="app">');
    }
    for (const api of ["/api/x", "/v1/nope"]) {
      const res = await fetch(`${origin}${api}`);
      expect(res.status, api).toBe(api.startsWith("/v1") ? 401 : 404);
      expect(res.headers.get("content-type"), api).toMatch(/^application\/json/);
    }
    const home = await fetch(`${origin}/`);
    expect(home.headers.get("content-security-policy")).toContain("default-src 'self'");
  });
});
