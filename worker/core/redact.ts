// Redaction before anything captured is stored: secrets and personal data in text replaced by
// [REDACTED:<kind>], secret-named JSON fields and credential headers removed whole. Built-in
// kinds can be switched off per tenant; a tenant's own patterns are checked so that they cannot
// make the gateway spin (no nested quantifiers, no back-references, bounded input).

export const REDACTION_KINDS = ["api_key", "jwt", "bearer", "email", "card", "phone"] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

export interface CustomPattern {
  name: string;
  pattern: string;
  flags?: string;
}

export interface RedactionRules {
  builtins: Record<RedactionKind, boolean>;
  custom: CustomPattern[];
}

/** A tenant's setting: built-in kinds switched off, and its own patterns. */
export interface RedactionSetting {
  off?: RedactionKind[];
  custom?: CustomPattern[];
}

/** A tenant's setting as rules; null: every built-in kind, no patterns of its own. */
export function rulesFrom(setting: RedactionSetting | null): RedactionRules {
  const off = new Set(setting?.off ?? []);
  return {
    builtins: Object.fromEntries(REDACTION_KINDS.map((k) => [k, !off.has(k)])) as Record<RedactionKind, boolean>,
    custom: setting?.custom ?? [],
  };
}

const luhn = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
};

const digitCount = (s: string) => s.replace(/\D/g, "").length;

interface Builtin {
  kind: RedactionKind;
  pattern: RegExp;
  /** Whether a match is one (the regex alone over-matches); absent: every match. */
  accept?: (match: string) => boolean;
  /** The replacement; default [REDACTED:<kind>]. */
  replace?: (match: string) => string;
}

const BUILTINS: Builtin[] = [
  {
    kind: "api_key",
    pattern:
      /\b(?:sk-agg-[A-Za-z0-9]{16,}|sk-(?:proj-|ant-(?:[a-z]+\d{2}-)?|svcacct-)?[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|xox[abposr]-[A-Za-z0-9-]{10,})/g,
  },
  { kind: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { kind: "bearer", pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: () => "Bearer [REDACTED:bearer]" },
  { kind: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  { kind: "card", pattern: /\b\d(?:[ -]?\d){12,18}\b/g, accept: (m) => luhn(m.replace(/\D/g, "")) },
  {
    kind: "phone",
    // Separated groups (+1 415 555 0100, (415) 555-0100, 020 7946 0958) or +E.164; 10–15 digits.
    pattern: /(?<![\w.+-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w.-])|\+\d{10,15}\b/g,
    accept: (m) => digitCount(m) >= 10 && digitCount(m) <= 15 && !/^\d{4}-\d{2}-\d{2}/.test(m),
  },
];

/** Custom patterns run on at most this much of each string: they are the tenant's, and run here. */
const CUSTOM_MAX_CHARS = 262_144;

function applyBuiltin(text: string, rule: Builtin, count: { n: number }): string {
  return text.replace(rule.pattern, (match) => {
    if (rule.accept && !rule.accept(match)) return match;
    count.n++;
    return rule.replace?.(match) ?? `[REDACTED:${rule.kind}]`;
  });
}

const compiled = new Map<string, RegExp>();
function regexOf(p: CustomPattern): RegExp {
  const key = `${p.flags ?? ""}/${p.pattern}`;
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size > 1000) compiled.clear();
    re = new RegExp(p.pattern, `${p.flags ?? ""}g`);
    compiled.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

export function redactText(text: string, rules: RedactionRules): { text: string; redactions: number } {
  const count = { n: 0 };
  let out = text;
  for (const rule of BUILTINS) if (rules.builtins[rule.kind]) out = applyBuiltin(out, rule, count);
  if (out.length <= CUSTOM_MAX_CHARS) {
    for (const p of rules.custom) {
      out = out.replace(regexOf(p), (match) => {
        if (match === "") return match;
        count.n++;
        return `[REDACTED:${p.name}]`;
      });
    }
  }
  return { text: out, redactions: count.n };
}

const SECRET_FIELD =
  /^(?:api[-_]?key|x-api-key|authorization|password|passwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token)$/i;

/** Strings in the JSON redacted; secret-named fields' values removed whole. Returns a copy. */
export function redactJson(value: unknown, rules: RedactionRules): { value: unknown; redactions: number } {
  let redactions = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = redactText(v, rules);
      redactions += r.redactions;
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (SECRET_FIELD.test(key) && item !== null && item !== "") {
          redactions++;
          out[key] = "[REDACTED]";
        } else out[key] = walk(item);
      }
      return out;
    }
    return v;
  };
  return { value: walk(value), redactions };
}

const SECRET_HEADER = /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)$|key|token|secret|auth/i;

/** Headers with every credential's value replaced by [REDACTED]. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.map(([name, value]) => [name.toLowerCase(), SECRET_HEADER.test(name) ? "[REDACTED]" : value]));
}

const NAME = /^[a-z0-9_]{1,32}$/;
// A quantified group that itself ends in a quantifier ((a+)+, (\w*)*, (x{2,})+): exponential backtracking.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}]\)(?:[+*?]|\{\d)/;
const BACK_REFERENCE = /\\[1-9]|\\k</;

/** A tenant's patterns checked: at most 20, each compiling, bounded and free of the constructs that backtrack without end. */
export function parseCustomPatterns(input: unknown): { ok: true; value: CustomPattern[] } | { ok: false; error: string } {
  if (!Array.isArray(input)) return { ok: false, error: "Patterns must be a list." };
  if (input.length > 20) return { ok: false, error: "At most 20 patterns." };
  const out: CustomPattern[] = [];
  for (const [i, item] of input.entries()) {
    const p = item as Partial<CustomPattern> | null;
    const at = `Pattern ${i + 1}`;
    if (!p || typeof p.name !== "string" || !NAME.test(p.name)) return { ok: false, error: `${at}: name must be 1–32 of a–z, 0–9, _.` };
    if (typeof p.pattern !== "string" || p.pattern.length === 0 || p.pattern.length > 200) return { ok: false, error: `${at}: 1–200 characters.` };
    if (p.flags !== undefined && (typeof p.flags !== "string" || !/^[imsu]{0,4}$/.test(p.flags) || new Set(p.flags).size !== p.flags.length)) {
      return { ok: false, error: `${at}: flags only from i, m, s, u.` };
    }
    if (NESTED_QUANTIFIER.test(p.pattern)) return { ok: false, error: `${at}: a repeated group may not itself end in a repeat ((a+)+ and the like).` };
    if (BACK_REFERENCE.test(p.pattern)) return { ok: false, error: `${at}: back-references are not allowed.` };
    try {
      new RegExp(p.pattern, p.flags ?? "");
    } catch {
      return { ok: false, error: `${at}: not a valid regular expression.` };
    }
    out.push({ name: p.name, pattern: p.pattern, ...(p.flags ? { flags: p.flags } : {}) });
  }
  return { ok: true, value: out };
}
