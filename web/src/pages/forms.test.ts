// The client-side validation mirrors the API's zod schemas (worker/api/*.ts).
import { describe, expect, it } from "vitest";
import { keyBody, validateKey } from "./keys/keyForm";
import { emptyRouteForm, routeBody, validateRoute } from "./models/routeForm";
import { createBody, emptyProviderForm, updateBody, validateProvider } from "./providers/providerForm";
import { parseThresholds, tenantBody, type TenantFormValues, validateTenant } from "./settings/tenantForm";

describe("provider form", () => {
  const valid = { ...emptyProviderForm(), name: "my-openai", kind: "openai", models: "gpt-4o-mini, gpt-4o\ngpt-4o" };

  it("accepts a valid provider and builds the create body", () => {
    expect(validateProvider(valid)).toEqual({});
    expect(createBody({ ...valid, apiKey: " sk-123 " })).toEqual({
      name: "my-openai",
      kind: "openai",
      models: ["gpt-4o-mini", "gpt-4o"],
      weight: 1,
      enabled: true,
      scope: "tenant",
      api_key: "sk-123",
    });
  });

  it("rejects what the API rejects", () => {
    expect(validateProvider({ ...valid, name: "My OpenAI" }).name).toBeDefined();
    expect(validateProvider({ ...valid, kind: "openai-compatible" }).baseUrl).toBe("providers.form.urlRequired");
    expect(validateProvider({ ...valid, baseUrl: "https://x.example/v1?key=1" }).baseUrl).toBe("providers.form.urlInvalid");
    expect(validateProvider({ ...valid, baseUrl: "ftp://x.example" }).baseUrl).toBe("providers.form.urlInvalid");
    expect(validateProvider({ ...valid, models: "модель" }).models).toBeDefined();
    expect(validateProvider({ ...valid, weight: "1001" }).weight).toBeDefined();
    expect(validateProvider({ ...valid, weight: "1.5" }).weight).toBeDefined();
  });

  it("only sends the key when it is rotated or removed", () => {
    expect(updateBody(valid)).not.toHaveProperty("api_key");
    expect(updateBody({ ...valid, apiKey: "new" }).api_key).toBe("new");
    expect(updateBody({ ...valid, apiKey: "ignored", removeKey: true }).api_key).toBeNull();
  });
});

describe("route form", () => {
  const valid = { ...emptyRouteForm(), alias: "fast", targets: [{ model: "openai/gpt-4o-mini", weight: "" }] };

  it("accepts a valid alias and builds the body", () => {
    expect(validateRoute(valid)).toEqual({});
    expect(routeBody({ ...valid, strategy: "weighted", targets: [{ model: "a/b", weight: "3" }], timeoutMs: "2000" })).toEqual({
      alias: "fast",
      strategy: "weighted",
      targets: [{ model: "a/b", weight: 3 }],
      retries: 0,
      timeout_ms: 2000,
      cache_ttl_seconds: null,
    });
  });

  it("rejects what the API rejects", () => {
    expect(validateRoute({ ...valid, alias: "has/slash" }).alias).toBeDefined();
    expect(validateRoute({ ...valid, targets: [{ model: "no-provider", weight: "" }] }).target?.[0]).toBe("routes.form.targetInvalid");
    expect(validateRoute({ ...valid, targets: [{ model: "a/b", weight: "0" }] }).target?.[0]).toBe("routes.form.weightInvalid");
    expect(validateRoute({ ...valid, targets: [] }).targets).toBeDefined();
    expect(validateRoute({ ...valid, retries: "6" }).retries).toBeDefined();
    expect(validateRoute({ ...valid, timeoutMs: "99" }).timeoutMs).toBeDefined();
    expect(validateRoute({ ...valid, cacheTtl: "86401" }).cacheTtl).toBeDefined();
  });
});

describe("key form", () => {
  it("validates limits and expiry and sends nulls for empty fields", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(validateKey({ name: " ", rpm: "0", tpm: "1.5", models: "", expires: "2025-01-01T00:00" }, now)).toEqual({
      name: "keys.form.nameInvalid",
      rpm: "keys.form.limitInvalid",
      tpm: "keys.form.limitInvalid",
      expires: "keys.form.expiryPast",
    });
    expect(keyBody({ name: " CI ", rpm: "", tpm: "100", models: "", expires: "" })).toEqual({
      name: "CI",
      rpm_limit: null,
      tpm_limit: 100,
      models: null,
      expires_at: null,
    });
  });
});

describe("tenant form", () => {
  const values: TenantFormValues = {
    name: "Acme",
    rpm: "",
    tpm: "1000",
    concurrency: "",
    budget: "250.5",
    thresholds: "50, 80, 100",
    billingEnabled: true,
    gateShards: "2",
    markupBps: "",
  };

  it("turns dollars into integer micro-dollars and leaves operator fields to the operator", () => {
    expect(validateTenant(values, false)).toEqual({});
    const body = tenantBody(values, false);
    expect(body).toEqual({
      name: "Acme",
      rpm_limit: null,
      tpm_limit: 1000,
      concurrency_limit: null,
      monthly_budget_micros: 250_500_000,
      alert_thresholds: [50, 80, 100],
    });
    expect(tenantBody(values, true)).toMatchObject({ billing_enabled: true, gate_shards: 2, markup_bps: null });
  });

  it("wants ascending thresholds from 1 to 100", () => {
    expect(parseThresholds("80, 50")).toBeNull();
    expect(parseThresholds("0")).toBeNull();
    expect(parseThresholds("")).toEqual([]);
    expect(validateTenant({ ...values, budget: "-5" }, false).budget).toBeDefined();
    expect(validateTenant({ ...values, gateShards: "65" }, true).gateShards).toBeDefined();
  });
});
