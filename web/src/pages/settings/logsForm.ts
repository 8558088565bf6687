import { isApiError } from "../../api/error";
import type { TenantSettings, TenantUpdateBody } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { optionalInt } from "../../lib/form";

// Mirrors worker/api/tenant.ts, worker/core/redact.ts (parseCustomPatterns) and worker/api/secret-headers.ts.
type Redaction = NonNullable<TenantSettings["redaction"]>;
export type RedactionKind = NonNullable<Redaction["off"]>[number];
type CustomPattern = NonNullable<Redaction["custom"]>[number];

export const REDACTION_KINDS: readonly RedactionKind[] = ["api_key", "jwt", "bearer", "email", "card", "phone"];
export const MAX_PATTERNS = 20;
export const MAX_HEADERS = 16;
const MAX_RETENTION_DAYS = 365;
const PATTERN_NAME = /^[a-z0-9_]{1,32}$/;
const FLAGS = /^[imsu]{0,4}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Headers the gateway sets itself on an export. */
const RESERVED_HEADERS = new Set(["content-type", "content-length", "host"]);

export interface PatternValues {
  name: string;
  pattern: string;
  flags: string;
}

export interface HeaderValues {
  name: string;
  value: string;
}

export interface LogsFormValues {
  retentionDays: string;
  /** Built-in kinds switched off (unchecked); the rest are redacted. */
  off: RedactionKind[];
  patterns: PatternValues[];
  /** '' for no collector. */
  otlpEndpoint: string;
  /** New headers for the collector: write-only, never filled from the tenant; none typed keeps the stored ones. */
  headers: HeaderValues[];
  removeHeaders: boolean;
}

export type PatternErrors = Partial<Record<keyof PatternValues, MessageKey>>;
export interface RowErrors<E> {
  list?: MessageKey;
  row?: Record<number, E>;
}

export interface LogsErrors {
  retentionDays?: MessageKey;
  otlpEndpoint?: MessageKey;
  patterns?: RowErrors<PatternErrors>;
  headers?: RowErrors<MessageKey>;
}

export const emptyPattern = (): PatternValues => ({ name: "", pattern: "", flags: "" });
export const emptyHeader = (): HeaderValues => ({ name: "", value: "" });

export function logsFormFrom(tenant: TenantSettings): LogsFormValues {
  return {
    retentionDays: String(tenant.log_retention_days),
    off: tenant.redaction?.off ?? [],
    patterns: (tenant.redaction?.custom ?? []).map((p) => ({ name: p.name, pattern: p.pattern, flags: p.flags ?? "" })),
    otlpEndpoint: tenant.otlp_endpoint ?? "",
    headers: [],
    removeHeaders: false,
  };
}

function validRegExp(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

/** The API also refuses patterns that could backtrack without end; it says so in a 400 (see serverError). */
function patternErrors(p: PatternValues): PatternErrors {
  const errors: PatternErrors = {};
  if (!PATTERN_NAME.test(p.name.trim())) errors.name = "settings.logs.patternNameInvalid";
  const flags = p.flags.trim();
  const flagsOk = FLAGS.test(flags) && new Set(flags).size === flags.length;
  if (!flagsOk) errors.flags = "settings.logs.patternFlagsInvalid";
  if (p.pattern.length === 0 || p.pattern.length > 200 || !validRegExp(p.pattern, flagsOk ? flags : "")) errors.pattern = "settings.logs.patternInvalid";
  return errors;
}

function headerError(h: HeaderValues, seen: Set<string>): MessageKey | null {
  const name = h.name.trim();
  if (!HEADER_NAME.test(name) || h.value.trim() === "" || h.value.length > 4096 || /[\r\n]/.test(h.value)) return "settings.logs.headerInvalid";
  if (RESERVED_HEADERS.has(name.toLowerCase())) return "settings.logs.headerReserved";
  if (seen.has(name.toLowerCase())) return "settings.logs.headerDuplicate";
  seen.add(name.toLowerCase());
  return null;
}

function validUrl(text: string): boolean {
  if (text.length > 2048) return false;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function rowErrors<T, E>(rows: T[], max: number, tooMany: MessageKey, check: (row: T) => E | null): RowErrors<E> | null {
  const found: RowErrors<E> = {};
  const row: Record<number, E> = {};
  rows.forEach((x, i) => {
    const error = check(x);
    if (error !== null) row[i] = error;
  });
  if (Object.keys(row).length > 0) found.row = row;
  if (rows.length > max) found.list = tooMany;
  return found.row || found.list ? found : null;
}

export function validateLogs(v: LogsFormValues): LogsErrors {
  const errors: LogsErrors = {};
  const days = optionalInt(v.retentionDays);
  if (days === null || !Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) errors.retentionDays = "settings.logs.retentionInvalid";
  const patterns = rowErrors(v.patterns, MAX_PATTERNS, "settings.logs.patternsTooMany", (p) => {
    const found = patternErrors(p);
    return Object.keys(found).length > 0 ? found : null;
  });
  if (patterns) errors.patterns = patterns;
  const endpoint = v.otlpEndpoint.trim();
  if (endpoint !== "" && !validUrl(endpoint)) errors.otlpEndpoint = "settings.logs.otlpEndpointInvalid";
  if (!v.removeHeaders) {
    const seen = new Set<string>();
    const headers = rowErrors(v.headers, MAX_HEADERS, "settings.logs.headersTooMany", (h) => headerError(h, seen));
    if (headers) errors.headers = headers;
  }
  return errors;
}

/**
 * Call after validateLogs. Retention, redaction and the endpoint are sent as shown (every kind on
 * and no patterns: null); the headers only when typed (they replace the stored ones) or removed (null).
 */
export function logsBody(v: LogsFormValues): TenantUpdateBody {
  const off = REDACTION_KINDS.filter((kind) => v.off.includes(kind));
  const custom = v.patterns.map((p): CustomPattern => {
    const flags = p.flags.trim();
    return flags ? { name: p.name.trim(), pattern: p.pattern, flags } : { name: p.name.trim(), pattern: p.pattern };
  });
  const body: TenantUpdateBody = {
    log_retention_days: Number(v.retentionDays.trim()),
    redaction: off.length === 0 && custom.length === 0 ? null : { off, custom },
    otlp_endpoint: v.otlpEndpoint.trim() || null,
  };
  if (v.removeHeaders) body.otlp_headers = null;
  else if (v.headers.length > 0) body.otlp_headers = Object.fromEntries(v.headers.map((h) => [h.name.trim(), h.value]));
  return body;
}

export type ServerField = "retentionDays" | "patterns" | "otlpEndpoint" | "headers";

/** A 400 about one field of this form, to show at that field; `row`: the pattern it names (0-based). */
export interface ServerFieldError {
  field: ServerField;
  row: number | null;
  message: string;
}

const PARAMS: [string, ServerField][] = [
  ["log_retention_days", "retentionDays"],
  ["redaction", "patterns"],
  ["otlp_endpoint", "otlpEndpoint"],
  ["otlp_headers", "headers"],
];

/** "Invalid 'redaction.custom': Pattern 2: back-references are not allowed." → pattern 2, "back-references are not allowed." */
export function serverError(error: unknown): ServerFieldError | null {
  if (!isApiError(error) || error.status !== 400) return null;
  const param = error.details.param;
  if (typeof param !== "string") return null;
  const field = PARAMS.find(([prefix]) => param === prefix || param.startsWith(`${prefix}.`))?.[1];
  if (!field) return null;
  const message = error.message.replace(/^Invalid '[^']*': /, "");
  const row = field === "patterns" ? /^Pattern (\d+): (.+)$/s.exec(message) : null;
  return row ? { field, row: Number(row[1]) - 1, message: row[2] ?? message } : { field, row: null, message };
}
