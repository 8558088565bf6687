// GET /api/providers with each provider's health as this isolate sees it: its circuit breaker
// (open after enough failed calls) and the mean of its models' observed latency.
import { describe, expect, it } from "vitest";
import { call, json } from "./kit/fixtures.ts";
import { admin, createProvider, createRoute, post, settle, tag } from "./kit/gateway.ts";

interface Health {
  circuit: "closed" | "open" | "half-open";
  samples: number;
  failures: number;
  latency_ms: number | null;
}

async function listedHealth(id: string): Promise<Health | undefined> {
  const res = await call("/api/providers", { headers: (await admin()).headers });
  expect(res.status).toBe(200);
  const { data } = await json<{ data: { id: string; health: Health }[] }>(res);
  return data.find((p) => p.id === id)?.health;
}

/** `count` chat calls to a route over `model` alone, without retries: one attempt each. */
async function chat(model: string, count: number): Promise<number[]> {
  const alias = await createRoute({ targets: [{ model }], retries: 0 });
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await post("/v1/chat/completions", { model: alias, messages: [{ role: "user", content: "Hello there" }] });
    await res.body?.cancel();
    statuses.push(res.status);
  }
  await settle();
  return statuses;
}

describe("GET /api/providers health", () => {
  it("is closed with nothing observed for a provider never called", async () => {
    const provider = await createProvider("openai", [`ok-${tag()}`]);
    expect(await listedHealth(provider.id)).toEqual({ circuit: "closed", samples: 0, failures: 0, latency_ms: null });
  });

  it("is closed, with a latency, after successful calls", async () => {
    const model = `ok-${tag()}`;
    const provider = await createProvider("openai", [model]);
    expect(await chat(provider.model(model), 2)).toEqual([200, 200]);
    const health = await listedHealth(provider.id);
    expect(health).toMatchObject({ circuit: "closed", samples: 2, failures: 0 });
    expect(health?.latency_ms).toEqual(expect.any(Number));
  });

  it("is open after the provider's calls fail enough to open its breaker", async () => {
    const model = `fail-500-${tag()}`;
    const provider = await createProvider("openai", [model]);
    // Five failures in the window (the breaker's minimum sample) open it; the cool-down is 30 s.
    expect(new Set(await chat(provider.model(model), 5))).toEqual(new Set([502]));
    expect(await listedHealth(provider.id)).toEqual({ circuit: "open", samples: 5, failures: 5, latency_ms: null });
    // One provider's answer carries it too.
    const one = await call(`/api/providers/${provider.id}`, { headers: (await admin()).headers });
    expect((await json<{ health: Health }>(one)).health.circuit).toBe("open");
  });
});
