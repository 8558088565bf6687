// The Cache API behind `caches.default` for `npm start` on bare workerd (scripts/lib/serve.mjs):
// workerd sends cache.put() as PUT <url> with the response serialized as an HTTP message,
// cache.match() as GET <url> (answered with CF-Cache-Status HIT or MISS) and cache.delete() as
// PURGE <url>. Entries live in memory until they expire or the process stops, which a cache may
// do at any time anyway; the oldest go first past MAX_BYTES.

interface Entry {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
  expires: number;
}

const MAX_BYTES = 64 * 1024 * 1024;
const entries = new Map<string, Entry>();
let bytes = 0;

function remove(key: string): boolean {
  const entry = entries.get(key);
  if (entry) bytes -= entry.body.byteLength;
  return entries.delete(key);
}

/** How long a response may be kept, from its Cache-Control (s-maxage, then max-age) or Expires; 0: not at all. */
function ttlMs(headers: Headers): number {
  const control = headers.get("cache-control") ?? "";
  if (/(?:^|,)\s*(?:no-store|no-cache|private)\s*(?:,|$)/i.test(control)) return 0;
  const age = /s-maxage\s*=\s*(\d+)/i.exec(control) ?? /max-age\s*=\s*(\d+)/i.exec(control);
  if (age) return Number(age[1]) * 1000;
  const expires = Date.parse(headers.get("expires") ?? "");
  return Number.isNaN(expires) ? 0 : Math.max(0, expires - Date.now());
}

/** `HTTP/1.1 200 OK\r\nname: value\r\n…\r\n\r\n<body>` → its parts. */
function parseMessage(message: ArrayBuffer): { status: number; headers: Headers; body: ArrayBuffer } {
  const bytesIn = new Uint8Array(message);
  let end = 0;
  while (end + 3 < bytesIn.length && !(bytesIn[end] === 13 && bytesIn[end + 1] === 10 && bytesIn[end + 2] === 13 && bytesIn[end + 3] === 10)) end++;
  const [statusLine = "", ...lines] = new TextDecoder().decode(bytesIn.subarray(0, end)).split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: message.slice(end + 4) };
}

async function put(key: string, request: Request): Promise<Response> {
  const { status, headers, body } = parseMessage(await request.arrayBuffer());
  const ttl = ttlMs(headers);
  remove(key);
  if (ttl === 0 || body.byteLength > MAX_BYTES) return new Response(null, { status: 413 });
  entries.set(key, { status, headers: [...headers], body, expires: Date.now() + ttl });
  bytes += body.byteLength;
  for (const oldest of entries.keys()) {
    if (bytes <= MAX_BYTES) break;
    remove(oldest);
  }
  return new Response(null, { status: 204 });
}

function match(key: string): Response {
  const entry = entries.get(key);
  if (!entry || entry.expires <= Date.now()) {
    remove(key);
    return new Response(null, { status: 504, headers: { "cf-cache-status": "MISS" } });
  }
  const headers = new Headers(entry.headers);
  headers.set("cf-cache-status", "HIT");
  return new Response(entry.body.slice(0), { status: entry.status, headers });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const key = request.url;
    if (request.method === "PUT") return put(key, request);
    if (request.method === "GET") return match(key);
    if (request.method === "PURGE") return new Response(null, { status: remove(key) ? 200 : 404 });
    return new Response(null, { status: 405 });
  },
} satisfies ExportedHandler;
