// The client-side validation mirrors the API's zod schemas (worker/api/*.ts).
import { describe, expect, it } from "vitest";
import type { ApiKey, TenantSettings } from "../api/types";
import { describeLimits, emptyModelLimit, formatBudget, isCapModel, validateModelLimits } from "../components/modelLimits";
import { emptyKeyForm, keyBody, keyFormFrom, validateKey } from "./keys/keyForm";
import { emptyRouteForm, routeBody, validateRoute } from "./models/routeForm";
import { createBody, emptyProviderForm, updateBody, validateProvider } from "./providers/providerForm";
import { parseThresholds, tenantBody, type TenantFormValues, tenantFormFrom, validateTenant } from "./settings/tenantForm";

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
      prompt_cache: "off",
      capture: "none",
    });
    expect(routeBody({ ...valid, promptCache: true }).prompt_cache).toBe("auto");
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
    expect(validateKey({ ...emptyKeyForm(), name: " ", rpm: "0", tpm: "1.5", models: "", expires: "2025-01-01T00:00" }, now)).toEqual({
      name: "keys.form.nameInvalid",
      rpm: "keys.form.limitInvalid",
      tpm: "keys.form.limitInvalid",
      expires: "keys.form.expiryPast",
    });
    expect(keyBody({ ...emptyKeyForm(), name: " CI ", rpm: "", tpm: "100", models: "", expires: "" })).toEqual({
      name: "CI",
      rpm_limit: null,
      tpm_limit: 100,
      models: null,
      expires_at: null,
      budget_micros: null,
      budget_period: "monthly",
      budget_mode: "hard",
      model_limits: null,
      prompt_cache: "off",
      capture: "none",
      mcp_tools: [],
    });
  });

  it("turns the budget into micro-dollars and sends the caps per model", () => {
    const values = {
      ...emptyKeyForm(),
      name: "CI",
      budget: "20",
      budgetPeriod: "daily" as const,
      budgetMode: "soft" as const,
      modelLimits: [
        { ...emptyModelLimit(), model: " openai/* ", rpm: "60" },
        { ...emptyModelLimit(), model: "demo/echo", budget: "2.5", period: "weekly" as const },
      ],
    };
    expect(validateKey(values)).toEqual({});
    expect(keyBody(values)).toMatchObject({
      budget_micros: 20_000_000,
      budget_period: "daily",
      budget_mode: "soft",
      model_limits: [
        { model: "openai/*", rpm_limit: 60, tpm_limit: null, budget_micros: null, budget_period: "monthly" },
        { model: "demo/echo", rpm_limit: null, tpm_limit: null, budget_micros: 2_500_000, budget_period: "weekly" },
      ],
    });
    expect(validateKey({ ...values, budget: "twenty" }).budget).toBe("limits.budgetInvalid");
  });

  it("edits what the key has, keeping what the form does not show", () => {
    const key: ApiKey = {
      id: "key_1",
      name: "CI",
      prefix: "sk-agg-01234",
      rpm_limit: null,
      tpm_limit: null,
      models: null,
      budget_micros: 12_500_000,
      budget_period: "total",
      budget_mode: "soft",
      model_limits: [{ model: "demo/*", rpm_limit: 5, tpm_limit: null, budget_micros: null, budget_period: "monthly" }],
      prompt_cache: "auto",
      capture: "none",
      mcp_tools: [],
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      created_at: "2026-01-01T00:00:00.000Z",
    };
    const values = keyFormFrom(key);
    expect(values).toMatchObject({ budget: "12.5", budgetPeriod: "total", budgetMode: "soft", modelLimits: [{ model: "demo/*", rpm: "5", budget: "" }] });
    expect(keyBody(values)).toMatchObject({ budget_micros: 12_500_000, model_limits: key.model_limits, prompt_cache: "auto" });
  });
});

describe("caps per model", () => {
  it("names a model, or every model of a provider", () => {
    expect(isCapModel("openai/gpt-4o-mini")).toBe(true);
    expect(isCapModel("openai/*")).toBe(true);
    expect(isCapModel("gpt-4o")).toBe(false);
    expect(isCapModel("/gpt-4o")).toBe(false);
    expect(isCapModel("Open AI/x")).toBe(false);
  });

  it("flags each row's first problem: pattern, repeat, bad number, nothing set", () => {
    const row = (model: string, change = {}) => ({ ...emptyModelLimit(), model, rpm: "10", ...change });
    expect(validateModelLimits([row("a/b"), row("a/*", { rpm: "", budget: "1" })])).toEqual({});
    expect(validateModelLimits([row("nope"), row("a/b"), row("a/b"), row("c/d", { tpm: "0" }), row("e/f", { rpm: "" }), row("g/h", { budget: "-1" })])).toEqual(
      {
        row: {
          0: "limits.caps.modelInvalid",
          2: "limits.caps.duplicate",
          3: "limits.limitInvalid",
          4: "limits.caps.empty",
          5: "limits.budgetInvalid",
        },
      },
    );
    expect(validateModelLimits(Array.from({ length: 51 }, (_, i) => row(`p/m${i}`))).list).toBe("limits.caps.tooMany");
  });

  it("describes limits in words", () => {
    expect(formatBudget(20_000_000, "daily")).toBe("$20.00 / day");
    expect(formatBudget(5_000_000, "total")).toBe("$5.00 in total");
    expect(describeLimits({ rpm_limit: 60, tpm_limit: null, budget_micros: 5_000_000, budget_period: "monthly" })).toBe("60 requests/min · $5.00 / month");
    expect(describeLimits({ rpm_limit: null, tpm_limit: null, budget_micros: null, budget_period: "monthly" })).toBe("No limits");
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
    timeZone: "Europe/Berlin",
    endUserDefaults: { rpm: "", tpm: "", budget: "", period: "monthly" },
    modelLimits: [],
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
      time_zone: "Europe/Berlin",
      end_user_defaults: null,
      model_limits: null,
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

  it("sends the time zone, limits for every end user and caps per model", () => {
    const next: TenantFormValues = {
      ...values,
      endUserDefaults: { rpm: "10", tpm: "", budget: "1.25", period: "daily" },
      modelLimits: [{ model: "anthropic/*", rpm: "", tpm: "50000", budget: "", period: "monthly" }],
    };
    expect(validateTenant(next, false)).toEqual({});
    expect(tenantBody(next, false)).toMatchObject({
      time_zone: "Europe/Berlin",
      end_user_defaults: { rpm_limit: 10, tpm_limit: null, budget_micros: 1_250_000, budget_period: "daily" },
      model_limits: [{ model: "anthropic/*", rpm_limit: null, tpm_limit: 50_000, budget_micros: null, budget_period: "monthly" }],
    });
  });

  it("rejects an unknown time zone and bad limits for end users and models", () => {
    const errors = validateTenant(
      {
        ...values,
        timeZone: "Mars/Olympus",
        endUserDefaults: { rpm: "0", tpm: "", budget: "lots", period: "monthly" },
        modelLimits: [{ model: "gpt-4o", rpm: "1", tpm: "", budget: "", period: "monthly" }],
      },
      false,
    );
    expect(errors).toEqual({
      timeZone: "settings.tenant.timeZoneInvalid",
      endUserDefaults: { rpm: "limits.limitInvalid", budget: "limits.budgetInvalid" },
      modelLimits: { row: { 0: "limits.caps.modelInvalid" } },
    });
  });

  it("fills the form from the tenant", () => {
    const tenant: TenantSettings = {
      id: "ten_1",
      name: "Acme",
      billing_enabled: true,
      rpm_limit: null,
      tpm_limit: null,
      concurrency_limit: null,
      monthly_budget_micros: null,
      alert_thresholds: null,
      gate_shards: 1,
      markup_bps: null,
      response_retention_days: 30,
      log_retention_days: 30,
      redaction: null,
      otlp_endpoint: null,
      otlp_header_names: null,
      time_zone: "Asia/Tokyo",
      end_user_defaults: { rpm_limit: 30, tpm_limit: null, budget_micros: 2_000_000, budget_period: "weekly" },
      model_limits: [{ model: "openai/gpt-4o", rpm_limit: null, tpm_limit: null, budget_micros: 50_000_000, budget_period: "monthly" }],
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: null,
    };
    const form = tenantFormFrom(tenant);
    expect(form).toMatchObject({
      timeZone: "Asia/Tokyo",
      endUserDefaults: { rpm: "30", tpm: "", budget: "2", period: "weekly" },
      modelLimits: [{ model: "openai/gpt-4o", rpm: "", tpm: "", budget: "50", period: "monthly" }],
    });
    expect(tenantBody(form, false)).toMatchObject({ end_user_defaults: tenant.end_user_defaults, model_limits: tenant.model_limits });
  });
});
