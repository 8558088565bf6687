import type { McpServer } from "../../api/types";

export const SERVER: McpServer = {
  id: "mcp_1",
  name: "github",
  url: "https://mcp.example.com/mcp",
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
  url: "https://docs.example.com/mcp",
  header_names: null,
  has_headers: false,
  tools: null,
  tool_prices: null,
  scope: "platform",
};
