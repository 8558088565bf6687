// schema.d.ts must be exactly what scripts/gen-api-types.mjs makes of the saved openapi.json.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// happy-dom gives modules an http: import.meta.url; the file path is still known.
const repo = path.resolve(import.meta.dirname, "../../..");

describe("generated API types", () => {
  it("are up to date with web/src/api/openapi.json", () => {
    const out = execFileSync(process.execPath, ["scripts/gen-api-types.mjs", "--check"], { cwd: repo, encoding: "utf8" });
    expect(out).toContain("up to date");
  });
});
