// `.dev.vars` holds local secrets. Missing ones are generated; every existing line is kept.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./run.mjs";

const REQUIRED = ["JWT_SECRET", "SECRETS_KEY"];

export function ensureDevVars(file = path.join(root, ".dev.vars")) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const present = new Set(text.split(/\r?\n/).map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1]).filter(Boolean));
  const missing = REQUIRED.filter((name) => !present.has(name));
  if (missing.length === 0) return [];
  const lines = missing.map((name) => `${name}=${randomBytes(32).toString("base64url")}`);
  const prefix = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  writeFileSync(file, `${prefix}${lines.join("\n")}\n`, { mode: 0o600 });
  return missing;
}
