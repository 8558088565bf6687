import type { ApiKey, McpServer } from "../../api/types";

export const SERVER: McpServer = {
  id: "mcp_1",
  name: "github",
  url: "https://mcp.example.com/mcp",
  transport: "streamable-http",
  header_names: ["Authorization"],
  has_headers: true,
  tools: ["search_repositories", "get_issue"],
  tool_prices: { search_repositories: 1000, "*": 0 },
  enabled: true,
  scope: "tenant",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: null,
};

export const PLATFORM_SERVER: McpServer = {
  ...SERVER,
  id: "mcp_2",
  name: "docs",
  url: "https://docs.example.com/sse",
  transport: "sse",
  header_names: null,
  has_headers: false,
  tools: null,
  tool_prices: null,
  scope: "platform",
};

export const KEY: ApiKey = {
  id: "key_1",
  name: "CI",
  prefix: "sk-agg-01234",
  rpm_limit: null,
  tpm_limit: null,
  models: null,
  budget_micros: null,
  budget_period: "monthly",
  budget_mode: "hard",
  model_limits: null,
  prompt_cache: "off",
  capture: "none",
  mcp_tools: [],
  expires_at: null,
  revoked_at: null,
  last_used_at: null,
  created_at: "2026-01-01T00:00:00.000Z",
};

/** CI may use two of github's tools, Agent all of them, Docs bot only docs' and Old a revoked key. */
export const KEYS: ApiKey[] = [
  { ...KEY, mcp_tools: ["github__search_repositories", "github__get_issue"] },
  { ...KEY, id: "key_2", name: "Agent", mcp_tools: ["github__*", "github__get_issue"] },
  { ...KEY, id: "key_3", name: "Docs bot", mcp_tools: ["docs__*"] },
  { ...KEY, id: "key_4", name: "Old", mcp_tools: ["github__*"], revoked_at: "2026-01-02T00:00:00.000Z" },
];
