// The PWA's hashed files (/assets/*, run by the Worker first): one that exists is served as the
// asset server sends it, one that does not is a 404 — never the SPA shell under a year-long
// immutable Cache-Control, which an old tab would keep as its JavaScript.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../worker/index.ts";
import { ORIGIN } from "./kit/fixtures.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";
const SHELL = "<!doctype html><title>AI Aggregator</title>";

/** The asset server with SPA not-found handling, as the Worker's ASSETS binding sees it. */
function assetServer(files: Record<string, string>): Fetcher {
  return {
    async fetch(input: RequestInfo | URL, init?: RequestInit) {
      const path = new URL(new Request(input, init).url).pathname;
      const body = files[path];
      if (body !== undefined) return new Response(body, { headers: { "content-type": "text/javascript", "cache-control": IMMUTABLE, etag: '"abc"' } });
      return new Response(SHELL, { headers: { "content-type": "text/html", "cache-control": IMMUTABLE } });
    },
    connect() {
      throw new Error("not a socket");
    },
  };
}

const fetchWith = (assets: Fetcher, path: string) => worker.fetch(new Request(`${ORIGIN}${path}`), { ...env, ASSETS: assets }, createExecutionContext());

describe("/assets/* through the Worker", () => {
  const assets = assetServer({ "/assets/index-abc.js": "export {};" });

  it("passes a file that exists through unchanged", async () => {
    const res = await fetchWith(assets, "/assets/index-abc.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript");
    expect(res.headers.get("cache-control")).toBe(IMMUTABLE);
    expect(res.headers.get("etag")).toBe('"abc"');
    expect(await res.text()).toBe("export {};");
  });

  it("answers a missing file with a 404 nobody caches, not the SPA shell", async () => {
    const res = await fetchWith(assets, "/assets/Missing-x.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: { code: "unknown_url", message: "No such file: /assets/Missing-x.js" } });
  });
});

// The pool calls the Worker directly (no asset routing in front of it); its ASSETS binding is the
// real asset server over web/dist, with _headers and SPA not-found handling.
describe("/assets/* with the built PWA", () => {
  it("serves a real chunk with its immutable Cache-Control and refuses a missing one", async () => {
    const shell = await env.ASSETS.fetch(`${ORIGIN}/`);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await shell.text())?.[1];
    expect(script, "the shell's entry script").toBeDefined();
    const real = await fetchWith(env.ASSETS, script!);
    expect(real.status).toBe(200);
    expect(real.headers.get("content-type")).toMatch(/javascript/);
    expect(real.headers.get("cache-control")).toBe(IMMUTABLE);
    await real.body?.cancel();
    const fallback = await env.ASSETS.fetch(`${ORIGIN}/assets/Missing-x.js`);
    expect(fallback.headers.get("content-type"), "the asset server's answer the Worker turns down").toMatch(/^text\/html/);
    await fallback.body?.cancel();
    const missing = await fetchWith(env.ASSETS, "/assets/Missing-x.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBe("no-store");
    await missing.body?.cancel();
  });
});
