// Every descriptor is complete and consistent: endpoint URLs come from the descriptor, never
// from rewriting another endpoint's URL.
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.ts";
import { PROVIDER_KINDS } from "../../db/schema.ts";
import { ANTHROPIC_VERSION } from "./anthropic/index.ts";
import { baseUrlOf, endpointUrl, PROVIDERS, serves } from "./index.ts";
import { DEFAULT_MAX_OUTPUT, maxOutputTokens } from "./model-limits.ts";
import type { Target } from "./types.ts";

const target = (kind: Target["kind"], model = "m", baseUrl = baseUrlOf(kind, null)): Pick<Target, "kind" | "baseUrl" | "model"> => ({ kind, baseUrl, model });

describe("provider registry", () => {
  it("has a descriptor for every kind", () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_KINDS].sort());
  });

  it.each(PROVIDER_KINDS)("%s: an upstream probe has a models endpoint and a base URL to reach", (kind) => {
    const d = PROVIDERS[kind];
    if (d.probe.via === "local") {
      expect(d.endpoints).toEqual({});
      return;
    }
    expect(serves(kind, "models")).toBe(true);
    expect(d.defaultBaseUrl !== null || d.needsBaseUrl).toBe(true);
  });

  it("derives each endpoint's URL from the descriptor", () => {
    expect(endpointUrl(target("anthropic"), "chat")).toBe("https://api.anthropic.com/v1/messages");
    expect(endpointUrl(target("anthropic"), "count_tokens")).toBe("https://api.anthropic.com/v1/messages/count_tokens");
    expect(endpointUrl(target("openai"), "chat")).toBe("https://api.openai.com/v1/chat/completions");
    expect(endpointUrl(target("openai"), "responses")).toBe("https://api.openai.com/v1/responses");
    expect(endpointUrl(target("openai-compatible", "m", "https://llm.example.com/v1/"), "chat")).toBe("https://llm.example.com/v1/chat/completions");
    expect(endpointUrl(target("gemini", "gemini-2.5-flash"), "chat_stream")).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    expect(endpointUrl(target("gemini"), "models")).toBe("https://generativelanguage.googleapis.com/v1beta/models");
  });

  it("says which kinds serve the Responses API and count_tokens", () => {
    // openai-compatible hosts seldom have a Responses endpoint: /v1/responses is translated to chat for them.
    expect(PROVIDER_KINDS.filter((k) => serves(k, "responses"))).toEqual(["openai"]);
    expect(PROVIDER_KINDS.filter((k) => serves(k, "count_tokens"))).toEqual(["anthropic"]);
  });

  it("refuses an endpoint the kind does not serve with 400 unsupported_endpoint", () => {
    const refused = (() => {
      try {
        endpointUrl(target("gemini"), "count_tokens");
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "unsupported_endpoint" });
  });

  it("sends each kind's key the way its API wants it", () => {
    expect(PROVIDERS.openai.headers("k")).toEqual({ authorization: "Bearer k" });
    expect(PROVIDERS["openai-compatible"].headers(null)).toEqual({});
    expect(PROVIDERS.anthropic.headers("k")).toEqual({ "anthropic-version": ANTHROPIC_VERSION, "x-api-key": "k" });
    expect(PROVIDERS.gemini.headers("k")).toEqual({ "x-goog-api-key": "k" });
  });

  it("falls back to the kind's default base URL", () => {
    expect(baseUrlOf("anthropic", null)).toBe("https://api.anthropic.com");
    expect(baseUrlOf("anthropic", "https://proxy.example.com")).toBe("https://proxy.example.com");
  });
});

describe("model limits", () => {
  it.each([
    ["gpt-5-mini", 128_000],
    ["gpt-4.1", 32_768],
    ["gpt-4o-mini", 16_384],
    ["claude-opus-4-0", 32_000],
    ["claude-opus-4-20250514", 32_000],
    ["claude-opus-4-1-20250805", 32_000],
    ["claude-opus-4-5", 64_000],
    ["claude-sonnet-4-5", 64_000],
    ["claude-3-7-sonnet-latest", 64_000],
    ["claude-3-5-haiku-latest", 8_192],
    ["claude-3-opus-latest", DEFAULT_MAX_OUTPUT],
    ["gemini-2.5-pro", 65_536],
    ["gemini-2.0-flash", 8_192],
    ["llama-3.3-70b", DEFAULT_MAX_OUTPUT],
  ])("%s writes at most %i tokens", (model, limit) => {
    expect(maxOutputTokens(model)).toBe(limit);
  });
});
