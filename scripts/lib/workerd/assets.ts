// The ASSETS binding for `npm start` on bare workerd (scripts/lib/serve.mjs): web/dist as Workers
// static assets serve it, from a snapshot taken at start (FILES, a workerd disk service) and its
// manifest (CONFIG, made by scripts/lib/workerd/config.mjs: content types, ETags, _headers).
// What it keeps of Cloudflare's asset server: GET/HEAD only; `/dir/` → /dir/index.html and
// `/page` → /page.html or /page/index.html (served, not redirected); a miss answered by
// index.html (single-page-application) or 404; ETag with If-None-Match → 304; Cache-Control
// `public, max-age=0, must-revalidate` unless the request has Authorization or Range; then the
// _headers rules matching the path, in order (a header two rules set is appended the second time).

export interface AssetsConfig {
  files: Record<string, { etag: string; type: string }>;
  headers: { pattern: string; set: [string, string][]; unset: string[] }[];
  spa: boolean;
}

interface Env {
  FILES: Fetcher;
  CONFIG: AssetsConfig;
}

const BROWSER_CACHE = "public, max-age=0, must-revalidate";
let rules: { re: RegExp; set: [string, string][]; unset: string[] }[] | undefined;

/** `*` matches anything, `:name` one path segment. */
const ruleRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[-/\\^$+?.()|[\]{}]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/:\w+/g, "[^/]+")}$`,
  );

function resolve(files: AssetsConfig["files"], path: string): string | undefined {
  const candidates = path.endsWith("/") ? [`${path}index.html`] : [path, `${path}.html`, `${path}/index.html`];
  return candidates.find((candidate) => candidate in files);
}

function decodePath(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    const { files } = env.CONFIG;
    const path = decodePath(request.url) ?? "";
    const file = resolve(files, path) ?? (env.CONFIG.spa && "/index.html" in files ? "/index.html" : undefined);
    const headers = new Headers();
    let response: Response;
    if (file === undefined) {
      response = new Response(null, { status: 404, headers });
    } else {
      const { etag, type } = files[file]!;
      headers.set("etag", `"${etag}"`);
      headers.set("content-type", type);
      if (!request.headers.has("authorization") && !request.headers.has("range")) headers.set("cache-control", BROWSER_CACHE);
      const ifNoneMatch = request.headers.get("if-none-match");
      if (ifNoneMatch === `"${etag}"` || ifNoneMatch === `W/"${etag}"`) {
        response = new Response(null, { status: 304, headers });
      } else {
        const body = await env.FILES.fetch(`http://assets${encodeURI(file)}`, { method: request.method });
        if (!body.ok) throw new Error(`asset ${file}: ${body.status} from the snapshot`);
        const length = body.headers.get("content-length");
        if (request.method === "HEAD" && length) headers.set("content-length", length);
        response = new Response(request.method === "HEAD" ? null : body.body, { status: 200, headers });
      }
    }
    rules ??= env.CONFIG.headers.map(({ pattern, set, unset }) => ({ re: ruleRegExp(pattern), set, unset }));
    const seen = new Set<string>();
    for (const rule of rules) {
      if (!rule.re.test(path)) continue;
      for (const name of rule.unset) response.headers.delete(name);
      for (const [name, value] of rule.set) {
        if (seen.has(name.toLowerCase())) response.headers.append(name, value);
        else response.headers.set(name, value);
        seen.add(name.toLowerCase());
      }
    }
    return response;
  },
} satisfies ExportedHandler<Env>;
