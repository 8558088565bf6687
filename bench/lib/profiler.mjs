// CPU profiles of the app's Worker through workerd's V8 inspector (INSPECTOR_PORT, see
// scripts/lib/dev-server.mjs), and their analysis, for bench/profile.mjs:
//  - connectProfiler: the Chrome DevTools Protocol over a WebSocket to the Worker's target
//    (`core:user:<name>`: the Worker and its Durable Objects share that isolate); start/stop a
//    sampling profile.
//  - sourceMapper: maps bundle positions back to the repo's files through the bundle's
//    index.js.map (version 3, VLQ mappings decoded here: no dependency).
//  - analyze: self and inclusive time per function, a split into buckets by source file, and a
//    split of the busy time into the stages of a gateway call (admission, upstream, books, …).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./app.mjs";

// ------------------------------------------------------------------------------ inspector

/** The inspector's target list, once it has `targetId` (workerd opens it as the Worker starts). */
async function findTarget(port, targetId, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < deadline) {
    seen = await fetch(`http://127.0.0.1:${port}/json`).then(
      (r) => r.json(),
      () => [],
    );
    const target = seen.find((t) => t.id === targetId);
    if (target) return target;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no inspector target '${targetId}' on port ${port}; targets: ${seen.map((t) => t.id).join(", ") || "none"}`);
}

/**
 * Connects to the Worker's isolate. Resolves to { start(intervalUs), stop() → profile, close() };
 * a profile is CDP's Profiler.Profile: { nodes, startTime, endTime, samples, timeDeltas }.
 */
export async function connectProfiler({ port, targetId, timeoutMs = 30_000 }) {
  const target = await findTarget(port, targetId, timeoutMs);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`could not connect to ${target.webSocketDebuggerUrl}`));
  });
  let nextId = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    const call = pending.get(msg.id);
    if (!call) return; // an event: none asked for
    pending.delete(msg.id);
    if (msg.error) call.reject(new Error(`${call.method}: ${msg.error.message}`));
    else call.resolve(msg.result);
  };
  ws.onclose = () => {
    for (const call of pending.values()) call.reject(new Error(`${call.method}: the inspector closed the connection`));
    pending.clear();
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { method, resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });

  await send("Profiler.enable");
  return {
    async start(intervalUs) {
      await send("Profiler.setSamplingInterval", { interval: intervalUs }); // only while stopped
      await send("Profiler.start");
    },
    stop: async () => (await send("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}

// ----------------------------------------------------------------------------- source maps

const BASE64 = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

/** One mapping segment: its base64 VLQ fields, as signed integers. */
function decodeVlq(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.get(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** Per generated line, its segments [generatedColumn, sourceIndex, sourceLine, nameIndex or -1], by column. */
function decodeMappings(mappings) {
  const lines = [];
  let source = 0;
  let sourceLine = 0;
  let name = 0;
  for (const text of mappings.split(";")) {
    const segments = [];
    let column = 0; // relative to the previous segment of the same line
    for (const segment of text ? text.split(",") : []) {
      const [dColumn, dSource, dLine, , dName] = decodeVlq(segment); // (the source column is not used)
      column += dColumn;
      if (dSource === undefined) continue; // a segment with no source
      source += dSource;
      sourceLine += dLine;
      if (dName !== undefined) name += dName;
      segments.push([column, source, sourceLine, dName === undefined ? -1 : name]);
    }
    lines.push(segments);
  }
  return lines;
}

/** The last segment at or before `column` (else the line's first). */
function segmentAt(segments, column) {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid][0] <= column) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return segments[found];
}

/**
 * For the bundle at `bundlePath` (absolute): locate(line, column) (0-based, as V8 gives them) →
 * { file (relative to the repo), line (1-based), name (the source's identifier there, if the map
 * names one) } or null; null instead of a function when the bundle has no index.js.map next to it.
 */
export function sourceMapper(bundlePath) {
  const mapPath = `${bundlePath}.map`;
  if (!existsSync(mapPath)) return null;
  const map = JSON.parse(readFileSync(mapPath, "utf8"));
  const base = path.resolve(path.dirname(mapPath), map.sourceRoot ?? "");
  const files = map.sources.map((s) => path.relative(repoRoot, path.resolve(base, s)));
  const lines = decodeMappings(map.mappings);
  return (line, column) => {
    const segments = lines[line];
    if (!segments?.length) return null;
    const [, source, sourceLine, name] = segmentAt(segments, column);
    return { file: files[source], line: sourceLine + 1, name: name >= 0 ? map.names[name] : null };
  };
}

// -------------------------------------------------------------------------------- analysis

const RUNTIME_JS = /^(cloudflare-internal|node-internal|workerd|cloudflare|node):/;

/** The bucket a function's time counts in, by its source file (see bench/profile.mjs's header). */
export function bucketOf({ name, url, file }) {
  if (!url) return name === "(idle)" ? "(idle)" : "native"; // (program), (garbage collector), builtins, runtime APIs
  if (RUNTIME_JS.test(url)) return "workerd runtime JS";
  if (!file) return "bundle (unmapped)";
  const parts = file.split(path.sep);
  if (parts[0] === "node_modules") return `node_modules/${parts[1].startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1]}`;
  if (parts[0] === "worker") return parts.length > 2 ? `worker/${parts[1]}` : "worker/*.ts";
  return parts[0];
}

/** Where a frame is, for people: repo file:line when mapped, else bundle or runtime url:line. */
function whereOf(callFrame, mapped) {
  if (!callFrame.url) return "(native)";
  if (mapped) return `${mapped.file}:${mapped.line}`;
  return `${callFrame.url}:${callFrame.lineNumber + 1}`;
}

/** A function's name; esbuild's renames (`settle2` for a second `settle`) undone through the map. */
function sourceName(functionName, mapped) {
  if (!functionName) return "(anonymous)";
  const original = mapped?.name;
  return original && /^\d+$/.test(functionName.slice(original.length)) && functionName.startsWith(original) ? original : functionName;
}

/** Each sample's duration in µs: up to the next sample (the last one: up to the profile's end). */
function sampleDurations(profile) {
  const { samples, timeDeltas, startTime, endTime } = profile;
  const durations = new Float64Array(samples.length);
  let at = startTime;
  for (let i = 0; i < samples.length; i++) at += timeDeltas[i];
  for (let i = 0; i < samples.length; i++) durations[i] = Math.max(0, i + 1 < samples.length ? timeDeltas[i + 1] : endTime - at);
  return durations;
}

/** The functions of a profile (nodes of the same function merged), keyed by name and position. */
function functionsOf(profile, locate) {
  const byKey = new Map();
  const keyOfNode = new Map();
  for (const node of profile.nodes) {
    const cf = node.callFrame;
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
    keyOfNode.set(node.id, key);
    if (byKey.has(key)) continue;
    const mapped = cf.url && locate && cf.lineNumber >= 0 ? locate(cf.url, cf.lineNumber, cf.columnNumber) : null;
    const fn = {
      name: sourceName(cf.functionName, mapped),
      url: cf.url,
      file: mapped?.file ?? null,
      where: whereOf(cf, mapped),
      bundle: cf.url && cf.lineNumber >= 0 ? `${cf.url}:${cf.lineNumber + 1}:${cf.columnNumber + 1}` : null,
      selfUs: 0,
      totalUs: 0,
    };
    fn.bucket = bucketOf(fn);
    byKey.set(key, fn);
  }
  return { byKey, keyOfNode };
}

/** Self time per node id. */
function selfTimes(profile) {
  const durations = sampleDurations(profile);
  const self = new Map();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + durations[i]);
  return self;
}

/**
 * Adds each node's self time to its function's self time, and to the inclusive time of every
 * distinct function on its stack (a recursive function counts once).
 */
function accumulate(profile, { byKey, keyOfNode }, self) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const root = profile.nodes[0];
  const onStack = new Map(); // key → depth count
  const visit = (node) => {
    const key = keyOfNode.get(node.id);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    const t = self.get(node.id) ?? 0;
    if (t > 0) {
      byKey.get(key).selfUs += t;
      for (const k of onStack.keys()) byKey.get(k).totalUs += t;
    }
    for (const child of node.children ?? []) visit(nodes.get(child));
    const n = onStack.get(key) - 1;
    if (n === 0) onStack.delete(key);
    else onStack.set(key, n);
  };
  visit(root);
}

/** Sums self time by bucket; for "native", also by function (what native time is made of). */
function bucketsOf(functions) {
  const buckets = new Map();
  for (const fn of functions) {
    if (fn.selfUs === 0) continue;
    const b = buckets.get(fn.bucket) ?? { bucket: fn.bucket, selfUs: 0, parts: new Map() };
    b.selfUs += fn.selfUs;
    if (fn.bucket === "native") b.parts.set(fn.name, (b.parts.get(fn.name) ?? 0) + fn.selfUs);
    buckets.set(fn.bucket, b);
  }
  return [...buckets.values()]
    .sort((a, b) => b.selfUs - a.selfUs)
    .map((b) => ({ bucket: b.bucket, selfUs: b.selfUs, parts: [...b.parts].sort((x, y) => y[1] - x[1]).map(([name, us]) => ({ name, selfUs: us })) }));
}

// ---------------------------------------------------------------------- stages of a call

/**
 * The stages of a gateway call a function counts in, by its repo file (and, where one file serves
 * two stages, its name); null: none of them. Admission: the up-front reservation, on both sides
 * of the RPC. Books: the record after the answer (settlement, usage event, the hub, the ledger).
 * Upstream: the attempt(s) to the provider and passing its answer on.
 */
export function stageOf({ file, name }) {
  if (!file) return null;
  const f = file.split(path.sep).join("/");
  const under = (dir) => f.startsWith(dir);
  if (f === "worker/gateway/gate.ts") return /^settle/.test(name) ? "books" : "admission";
  if (f === "durable-objects/tenant-gate.ts") {
    if (/^(admit|topUp|keyUsable|lease)$/.test(name)) return "admission";
    return /^(settle|books|report|flushAndReport|alarm)$/.test(name) ? "books" : null;
  }
  if (/^durable-objects\/gate\/(settlement|ledger-flush|d1|alerts|alert-outbox)\.ts$/.test(f)) return "books";
  if (/^worker\/gateway\/(admission|leases)\.ts$/.test(f) || under("durable-objects/gate/")) return "admission";
  if (/^worker\/gateway\/(record|books|usage-event)\.ts$/.test(f) || under("durable-objects/hub/") || f === "durable-objects/analytics-hub.ts") return "books";
  if (/^worker\/gateway\/(upstream|attempts|pipe|stream-out|sse|breaker|latency|provider-health)\.ts$/.test(f)) return "upstream";
  if (under("worker/gateway/providers/") || under("worker/gateway/translate/")) return "upstream";
  if (f === "worker/gateway/endpoints/chat.ts" && /^(answerOnce|openStream|nativeUsage|nativeFor|canonical|estimateUsage)$/.test(name)) return "upstream";
  return null;
}

/** The split stageTimes() makes, in print order. */
export const STAGES = ["admission", "upstream", "books", "rest of the Worker", "runtime"];
const RANK = { upstream: 1, admission: 2, books: 3 };

/**
 * Busy time by stage: each sample counts in the stage of a function on its stack — books before
 * admission before upstream (a helper counts in the stage that called it: the gate's settle()
 * under recordCall is books), else "rest of the Worker" (routing, auth, plan, reading the body,
 * hono, zod…) when any JS is on the stack, else "runtime" (no JS: workerd's C++ work, GC).
 * A call resumed after an await starts a new stack: it counts where it resumes.
 */
function stageTimes(profile, { byKey, keyOfNode }, self) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const times = Object.fromEntries(STAGES.map((s) => [s, 0]));
  const visit = (node, stage, js) => {
    const fn = byKey.get(keyOfNode.get(node.id));
    const own = fn.stageOf;
    const here = own && (!stage || RANK[own] > RANK[stage]) ? own : stage;
    const hasJs = js || Boolean(fn.url);
    const t = self.get(node.id) ?? 0;
    if (t > 0 && fn.bucket !== "(idle)") times[here ?? (hasJs ? "rest of the Worker" : "runtime")] += t;
    for (const child of node.children ?? []) visit(nodes.get(child), here, hasJs);
  };
  visit(profile.nodes[0], null, false);
  return STAGES.map((stage) => ({ stage, us: times[stage] }));
}

/**
 * The figures of a profile. `locate(url, line, column)` maps bundle positions (or is null).
 * Resolves to { totalUs, idleUs, busyUs, samples, functions (every function, with selfUs and
 * totalUs), buckets, stages }. "busy" is everything but (idle): the isolate's thread at work.
 */
export function analyze(profile, locate) {
  const fns = functionsOf(profile, locate);
  for (const fn of fns.byKey.values()) fn.stageOf = stageOf(fn);
  const self = selfTimes(profile);
  accumulate(profile, fns, self);
  const functions = [...fns.byKey.values()];
  const totalUs = functions.reduce((s, f) => s + f.selfUs, 0);
  const idleUs = functions.filter((f) => f.bucket === "(idle)").reduce((s, f) => s + f.selfUs, 0);
  return {
    totalUs,
    idleUs,
    busyUs: totalUs - idleUs,
    samples: profile.samples.length,
    functions,
    buckets: bucketsOf(functions),
    stages: stageTimes(profile, fns, self),
  };
}

/** The `n` functions with the most self (by = "selfUs") or inclusive ("totalUs") time; not (root) nor (idle). */
export function top(analysis, by, n) {
  return analysis.functions
    .filter((f) => f[by] > 0 && f.name !== "(root)" && f.name !== "(idle)")
    .sort((a, b) => b[by] - a[by])
    .slice(0, n);
}
