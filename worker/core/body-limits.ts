// How large a request body may be, by path: one table for the middleware that enforces it, the
// endpoints that stream uploads and the tests that probe the edges.
export const MiB = 1024 * 1024;

export const API_BODY_LIMIT = 1 * MiB;
export const GATEWAY_BODY_LIMIT = 16 * MiB;
/** Gateway uploads allowed past 16 MiB: audio as OpenAI takes it, and batch input files. */
export const UPLOAD_BODY_LIMITS: Readonly<Record<string, number>> = {
  "/v1/audio/transcriptions": 25 * MiB,
  "/v1/audio/translations": 25 * MiB,
  "/v1/files": 50 * MiB,
};

/** One MCP message: tool arguments, not uploads. */
export const MCP_BODY_LIMIT = 4 * MiB;

export function bodyLimitFor(path: string): number {
  if (path.startsWith("/api/")) return API_BODY_LIMIT;
  if (path === "/mcp") return MCP_BODY_LIMIT;
  return UPLOAD_BODY_LIMITS[path] ?? GATEWAY_BODY_LIMIT;
}
