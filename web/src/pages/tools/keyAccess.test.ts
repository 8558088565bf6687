import { describe, expect, it } from "vitest";
import { KEY } from "./fixtures";
import { keysFor } from "./keyAccess";

const NOW = Date.parse("2026-02-01T00:00:00.000Z");

describe("keysFor", () => {
  it("splits a pattern at the first __, as the gateway does", () => {
    const keys = [
      { ...KEY, id: "k1", name: "a", mcp_tools: ["git__status", "github__x"] },
      { ...KEY, id: "k2", name: "b", mcp_tools: ["github__issues__list", "github__issues__list"] },
    ];
    expect(keysFor("git", keys, NOW)).toEqual([{ id: "k1", name: "a", tools: ["status"] }]);
    expect(keysFor("github", keys, NOW)).toEqual([
      { id: "k1", name: "a", tools: ["x"] },
      { id: "k2", name: "b", tools: ["issues__list"] },
    ]);
  });

  it("reads <server>__* as all tools, and leaves out revoked and expired keys", () => {
    const keys = [
      { ...KEY, id: "k1", name: "all", mcp_tools: ["docs__lookup", "docs__*"] },
      { ...KEY, id: "k2", name: "revoked", mcp_tools: ["docs__*"], revoked_at: "2026-01-15T00:00:00.000Z" },
      { ...KEY, id: "k3", name: "expired", mcp_tools: ["docs__*"], expires_at: "2026-01-31T00:00:00.000Z" },
      { ...KEY, id: "k4", name: "later", mcp_tools: ["docs__*"], expires_at: "2026-03-01T00:00:00.000Z" },
      { ...KEY, id: "k5", name: "none", mcp_tools: [] },
    ];
    expect(keysFor("docs", keys, NOW)).toEqual([
      { id: "k1", name: "all", tools: null },
      { id: "k4", name: "later", tools: null },
    ]);
  });
});
