// A bench-only Worker that runs next to the app inside the same workerd (see
// bench/durable-objects.mjs): it binds the app's TenantGate and AnalyticsHub classes
// (script_name "ai-aggregator") and its D1 database, and calls them as the gateway does, so the
// Durable Object round trips can be timed without the Node↔workerd hop, or with only a plain
// HTTP hop (whose floor /noop measures). Never deployed; plain JS, no imports.
//
//   GET  /noop                                   the floor: no Durable Object call
//   POST /seed          {tenant, key, credit}    a tenant, an API key and a credit in D1
//   POST /admit-settle  {tenant, key, cost}      one admit() then one settle(), as the gateway does
//   POST /admit-loop    {tenant, key, n, concurrency, cost}
//                                                n admit()+settle() pairs, `concurrency` at once,
//                                                timed inside workerd
//   POST /hub-flush     {tenant, key, n, concurrency, flush?}
//                                                ingest n usage events into the tenant's hub, then
//                                                flush() until request_log holds them all (flush:
//                                                false: ingest only, and leave it to the alarm)
//   POST /rpc-loop      {tenant, n, concurrency} n no-op RPCs (health()) to the gate: a3's floor
//   GET  /count?tenant=                          request_log rows of a tenant

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
// Inside workerd the clock only moves on I/O and has millisecond steps: good for totals over many
// calls, not for one call.
const now = () => performance.now();
let seq = 0;
const requestId = (prefix) => `${prefix}_${Date.now().toString(36)}_${(seq++).toString(36)}_${Math.random().toString(36).slice(2, 10)}`;

const gate = (env, tenant) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant));
const hub = (env, tenant) => env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenant));

async function admitSettle(env, { tenant, key, cost = 100, maxCost = 2_000 }) {
  const id = requestId("req_bench");
  const g = gate(env, tenant);
  const t0 = now();
  const admitted = await g.admit(tenant, { requestId: id, keyId: key, tokens: 50, maxCostMicros: maxCost }, 0);
  const t1 = now();
  if (!admitted.ok) return { ok: false, refusal: `${admitted.status} ${admitted.code}`, admitMs: t1 - t0, settleMs: 0 };
  await g.settle(tenant, { requestId: id, keyId: key, costMicros: cost, tokens: 40 });
  const t2 = now();
  return { ok: true, admitMs: t1 - t0, settleMs: t2 - t1 };
}

async function pool(n, concurrency, fn) {
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

function usageRow(tenant, key, i, createdAt) {
  return {
    id: requestId(`req_flush${i}`),
    tenantId: tenant,
    keyId: key,
    provider: "bench",
    model: `bench/model-${i % 4}`,
    endpoint: "chat.completions",
    status: i % 50 === 0 ? 502 : 200,
    errorType: i % 50 === 0 ? "upstream_error" : null,
    stream: i % 2 === 0,
    latencyMs: 20 + (i % 200),
    ttfbMs: 10 + (i % 100),
    inputTokens: 12,
    outputTokens: 30,
    cachedTokens: 0,
    reasoningTokens: 0,
    costMicros: 21,
    estimated: false,
    attempts: [`bench/model-${i % 4}=ok`],
    createdAt,
  };
}

async function logCount(env, tenant) {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM request_log WHERE tenant_id = ?").bind(tenant).first();
  return row?.n ?? 0;
}

async function hubFlush(env, { tenant, key, n, concurrency = 16, timeoutMs = 120_000, flush = true }) {
  const h = hub(env, tenant);
  const before = await logCount(env, tenant);
  const createdAt = Date.now();
  let refused = 0;
  const t0 = now();
  await pool(n, concurrency, async (i) => {
    const r = await h.ingest(usageRow(tenant, key, i, createdAt));
    if (!r.accepted || r.duplicate) refused++;
  });
  const t1 = now();
  if (!flush) return { n, concurrency, refused, ingestMs: t1 - t0, loggedAfterIngest: (await logCount(env, tenant)) - before, stats: await h.stats() };
  // The hub's own alarm (1 s after the first event) may have flushed part already.
  const atFlushStart = (await logCount(env, tenant)) - before;
  const statsAtStart = await h.stats();
  const flushes = [];
  while (now() - t1 < timeoutMs) {
    const r = await h.flush();
    flushes.push({ ok: r.ok, events: r.events, rollups: r.rollups, rounds: r.rounds, ms: r.ms, ...(r.error ? { error: r.error } : {}) });
    const s = await h.stats();
    if (s.pendingEvents === 0 && s.dirtyRollups === 0) break;
    if (!r.ok) await new Promise((r) => setTimeout(r, 200));
  }
  const t2 = now();
  // Flushed means committed to D1: the rows are there when flush() returns.
  let logged = (await logCount(env, tenant)) - before;
  while (logged < n && now() - t1 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 20));
    logged = (await logCount(env, tenant)) - before;
  }
  const t3 = now();
  return {
    n,
    concurrency,
    refused,
    ingestMs: t1 - t0,
    loggedAtFlushStart: atFlushStart,
    pendingAtFlushStart: statsAtStart.pendingEvents,
    flushCallsMs: t2 - t1,
    untilAllLoggedMs: t3 - t1,
    logged,
    flushes,
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/noop") return json({ ok: true });
      if (url.pathname === "/count") return json({ n: await logCount(env, url.searchParams.get("tenant")) });
      const body = request.method === "POST" ? await request.json() : {};
      if (url.pathname === "/seed") {
        const { tenant, key, credit } = body;
        await env.DB.batch([
          env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(tenant, `bench ${tenant}`),
          env.DB.prepare("INSERT INTO api_keys (id, tenant_id, name, key_hash, prefix) VALUES (?, ?, 'bench', ?, 'sk-bench') ON CONFLICT DO NOTHING").bind(
            key,
            tenant,
            `hash-${key}`,
          ),
          env.DB.prepare(
            "INSERT INTO ledger_entries (id, tenant_id, kind, amount_micros, idempotency_key, reason) VALUES (?, ?, 'promo', ?, ?, 'bench credit') ON CONFLICT DO NOTHING",
          ).bind(`led_bench_${tenant}`, tenant, credit, `bench:${tenant}`),
        ]);
        return json({ ok: true });
      }
      if (url.pathname === "/admit-settle") return json(await admitSettle(env, body));
      if (url.pathname === "/admit-loop") {
        const { n, concurrency } = body;
        const refusals = {};
        let ok = 0;
        let admitSum = 0;
        let settleSum = 0;
        const t0 = now();
        await pool(n, concurrency, async () => {
          const r = await admitSettle(env, body);
          if (r.ok) {
            ok++;
            admitSum += r.admitMs;
            settleSum += r.settleMs;
          } else refusals[r.refusal] = (refusals[r.refusal] ?? 0) + 1;
        });
        const elapsedMs = now() - t0;
        return json({ n, concurrency, ok, refusals, elapsedMs, meanAdmitMs: ok ? admitSum / ok : null, meanSettleMs: ok ? settleSum / ok : null });
      }
      if (url.pathname === "/rpc-loop") {
        // The floor of a3: n no-op RPCs (health(), no storage) to the same gate.
        const { tenant, n, concurrency } = body;
        const g = gate(env, tenant);
        const t0 = now();
        await pool(n, concurrency, () => g.health());
        return json({ n, concurrency, elapsedMs: now() - t0 });
      }
      if (url.pathname === "/hub-flush") return json(await hubFlush(env, body));
      return json({ error: "not found" }, 404);
    } catch (error) {
      return json({ error: String(error?.stack ?? error) }, 500);
    }
  },
};
