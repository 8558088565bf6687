// Redaction before anything captured is stored: secrets and personal data in text replaced by
// [REDACTED:<kind>], secret-named JSON fields and credential headers removed whole. Built-in kinds
// can be switched off per tenant; a tenant's own patterns are vetted and bounded (they run here).

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

export interface RedactedText {
  text: string;
  redactions: number;
  /** Custom patterns ran on only the first CUSTOM_MAX_CHARS; the rest had the built-in kinds only. */
  truncatedCustom: boolean;
}

/** A tenant's setting as rules; null: every built-in kind, no patterns of its own. */
export function rulesFrom(setting: RedactionSetting | null): RedactionRules {
  const off = new Set(setting?.off ?? []);
  return {
    builtins: Object.fromEntries(REDACTION_KINDS.map((k) => [k, !off.has(k)])) as Record<RedactionKind, boolean>,
    custom: setting?.custom ?? [],
  };
}

// ---- Built-in kinds. Each regex may start only where a run of the characters it consumes begins
// (the lookbehinds), so a long run is scanned once: linear time on any input, 16 MiB bodies included.
// Every repeat is bounded: an unbounded one over a run of megabytes overflows the regex engine's stack.

interface Builtin {
  kind: RedactionKind;
  pattern: RegExp;
  /** Whether a match is one (the regex alone over-matches); absent: every match. */
  accept?: (match: string) => boolean;
  /** The replacement; default [REDACTED:<kind>]. */
  replace?: (match: string) => string;
}

const API_KEY_FORMS = [
  String.raw`sk-agg-[A-Za-z0-9]{16,1024}`, // ours
  String.raw`sk-(?:proj-|svcacct-|admin-|ant-(?:[a-z]{1,16}\d{2}-)?)?[A-Za-z0-9_-]{20,1024}`, // OpenAI, Anthropic
  String.raw`AIza[0-9A-Za-z_-]{35}`, // Google
  String.raw`(?:AKIA|ASIA)[0-9A-Z]{16}`, // AWS access key ids
  String.raw`gh[pousr]_[A-Za-z0-9]{30,1024}|github_pat_[A-Za-z0-9_]{22,1024}`, // GitHub
  String.raw`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,1024}|whsec_[A-Za-z0-9]{24,1024}`, // Stripe
  String.raw`xox[abposr]-[A-Za-z0-9-]{10,1024}`, // Slack
];

// Phone numbers need a structure: a leading +, a North American 3-3-4 or a trunk 0 with groups.
// Never across line breaks, never inside a longer run of digits and separators (dates, times, IPs).
const PHONE_START = String.raw`(?<![\w+]|\d[.,:/-])`;
const PHONE_END = String.raw`(?!\w|[.,:/-]\d)`;
const PHONE_FORMS = [
  String.raw`(?<![\w+])\+[1-9]\d{9,14}(?!\d)`, // E.164
  String.raw`(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\))?[ .-]?\d{1,5}(?:[ .-]\d{1,5}){1,5}${PHONE_END}`, // +44 20 7946 0958
  String.raw`${PHONE_START}(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}${PHONE_END}`, // (415) 555-0100
  String.raw`${PHONE_START}(?:\(0\d{1,4}\)[ .-]?|0\d{1,4}[ .-])\d{2,8}(?:[ .-]\d{2,8}){0,4}${PHONE_END}`, // 020 7946 0958
];
const DATE_SHAPE = /\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}/;

const digitsOf = (s: string) => s.replace(/\D/g, "");

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

// Card networks start with 2 (Mastercard 2221–2720), 3, 4, 5 or 6; unix times in ms start with 1.
const isCard = (match: string) => {
  const digits = digitsOf(match);
  return /^(?:2[2-7]|[3-6])/.test(digits) && luhn(digits);
};

const isPhone = (match: string) => {
  const n = digitsOf(match).length;
  return n >= 10 && n <= 15 && !DATE_SHAPE.test(match);
};

const BUILTINS: Builtin[] = [
  {
    kind: "api_key",
    pattern: new RegExp(String.raw`(?<![\w-])(?:${API_KEY_FORMS.join("|")})`, "g"),
    // "sk-" followed by lowercase words ("sk-learn-compatible-api") is prose, not a key.
    accept: (m) => !/^sk-(?!agg-|proj-|ant-|svcacct-|admin-)[a-z]+(?:-[a-z]+)+$/.test(m),
  },
  { kind: "jwt", pattern: /(?<![\w-])eyJ[\w-]{5,8192}\.[\w-]{5,8192}\.[\w-]{0,8192}/g },
  {
    kind: "bearer",
    pattern: /\bbearer[ \t]{1,16}[A-Za-z0-9._~+/=-]{8,8192}/gi,
    // A token has a digit, a capital or punctuation; "Bearer instruments" is prose.
    accept: (m) => /[^a-z]/.test(m.slice(6).trim()),
    replace: (m) => `${m.slice(0, 6)} [REDACTED:bearer]`,
  },
  { kind: "email", pattern: /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g },
  {
    kind: "card",
    pattern: /(?<![\w+])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19})(?!\w)/g,
    accept: isCard,
  },
  { kind: "phone", pattern: new RegExp(PHONE_FORMS.join("|"), "g"), accept: isPhone },
];

/** Replaces every accepted match; after a refused one the search goes on from the next character. */
function applyBuiltin(text: string, rule: Builtin, count: { n: number }): string {
  const { pattern, accept } = rule;
  let out = "";
  let last = 0;
  let match: RegExpExecArray | null;
  pattern.lastIndex = 0;
  while ((match = pattern.exec(text)) !== null) {
    const found = match[0];
    if (accept && !accept(found)) {
      pattern.lastIndex = match.index + 1;
      continue;
    }
    out += text.slice(last, match.index) + (rule.replace?.(found) ?? `[REDACTED:${rule.kind}]`);
    last = match.index + found.length;
    count.n++;
  }
  return last === 0 ? text : out + text.slice(last);
}

function applyBuiltins(text: string, rules: RedactionRules, count: { n: number }): string {
  let out = text;
  for (const rule of BUILTINS) if (rules.builtins[rule.kind]) out = applyBuiltin(out, rule, count);
  return out;
}

// ---- A tenant's own patterns.

/** Custom patterns see at most this many characters per redactText or redactJson call. */
export const CUSTOM_MAX_CHARS = 1_048_576;
/**
 * Each pattern runs over windows: a piece of PIECE characters, CONTEXT before it (for lookbehinds
 * and \b) and OVERLAP after it, keeping the matches that start in the piece. A match of up to OVERLAP
 * characters is never cut, and what backtracking is left (\w+@x over a long word) costs O(n·window), not O(n²).
 */
const PIECE = 256;
const OVERLAP = 256;
const CONTEXT = 32;

interface Budget {
  left: number;
  truncated: boolean;
}

interface Compiled {
  re: RegExp;
  label: string;
  /** False when the window lacks a literal every match contains, so the regex need not run. */
  mayMatch: (window: string) => boolean;
}

const compiled = new Map<string, Compiled | null>();

/** The pattern compiled once; null when it fails the checks (rules read from storage are checked again). */
function compile(p: CustomPattern): Compiled | null {
  const flags = p.flags ?? "";
  const key = `${p.name}/${flags}/${p.pattern}`;
  if (compiled.has(key)) return compiled.get(key)!;
  if (compiled.size >= 1000) compiled.clear();
  const analysis = analysePattern(p.pattern, flags);
  const entry =
    analysis.error === null ? { re: new RegExp(p.pattern, `${flags}g`), label: `[REDACTED:${p.name}]`, mayMatch: prefilter(analysis.required, flags) } : null;
  compiled.set(key, entry);
  return entry;
}

function prefilter(required: string, flags: string): (window: string) => boolean {
  if (required === "") return () => true;
  if (!flags.includes("i")) return (window) => window.includes(required);
  // Under "iu" a few non-ASCII letters fold to ASCII ones (ſ to s, K to k): no shortcut there.
  if (flags.includes("u") || /[^\x20-\x7e]/.test(required)) return () => true;
  const lower = required.toLowerCase();
  return (window) => window.toLowerCase().includes(lower);
}

/** Matches starting in [from, to) of the window, as [start, end) pairs. */
function matchesIn(window: string, re: RegExp, from: number, to: number): [number, number][] {
  const found: [number, number][] = [];
  let match: RegExpExecArray | null;
  re.lastIndex = from;
  while ((match = re.exec(window)) !== null && match.index < to) {
    if (match[0] === "") re.lastIndex = match.index + 1;
    else found.push([match.index, match.index + match[0].length]);
  }
  return found;
}

/** One pattern over the first `scanned` characters of the text, window by window. */
function scanWith(text: string, scanned: number, pattern: Compiled, count: { n: number }): string {
  let out = "";
  for (let pos = 0; pos < scanned; ) {
    const end = Math.min(scanned, pos + PIECE);
    const from = Math.max(0, pos - CONTEXT);
    const window = text.slice(from, Math.min(scanned, end + OVERLAP));
    const found = pattern.mayMatch(window) ? matchesIn(window, pattern.re, pos - from, end - from) : [];
    let at = pos;
    for (const [start, stop] of found) {
      out += text.slice(at, from + start) + pattern.label;
      at = from + stop;
      count.n++;
    }
    const next = Math.max(end, at);
    out += text.slice(at, next);
    pos = next;
  }
  return out + text.slice(scanned);
}

function applyCustom(text: string, patterns: CustomPattern[], budget: Budget, count: { n: number }): string {
  const compiledPatterns = patterns.flatMap((p) => compile(p) ?? []);
  if (compiledPatterns.length === 0 || text === "") return text;
  const scanned = Math.min(text.length, budget.left);
  budget.left -= scanned;
  if (scanned < text.length) budget.truncated = true;
  const tail = text.length - scanned;
  let out = text;
  for (const pattern of compiledPatterns) out = scanWith(out, out.length - tail, pattern, count);
  return out;
}

function redactWith(text: string, rules: RedactionRules, budget: Budget, count: { n: number }): string {
  try {
    return applyCustom(applyBuiltins(text, rules, count), rules.custom, budget, count);
  } catch {
    // A text the regex engine could not get through is not stored at all.
    count.n++;
    return "[REDACTED:unscanned]";
  }
}

const newBudget = (): Budget => ({ left: CUSTOM_MAX_CHARS, truncated: false });

export function redactText(text: string, rules: RedactionRules): RedactedText {
  const count = { n: 0 };
  const budget = newBudget();
  const out = redactWith(text, rules, budget, count);
  return { text: out, redactions: count.n, truncatedCustom: budget.truncated };
}

// ---- JSON and headers.

const SECRET_FIELD =
  /^(?:x-)?(?:api[-_]?key|x-goog-api-key|(?:proxy-)?authorization|password|passwd|passphrase|secret|client[-_]?secret|private[-_]?key|(?:(?:access|refresh|id|auth|session)[-_]?)?token)$/i;

/** A secret-named field's value; `token` in a logprobs entry is a piece of the answer, not a credential. */
const isSecretField = (key: string, owner: Record<string, unknown>, value: unknown) =>
  SECRET_FIELD.test(key) && value !== null && value !== "" && !(key === "token" && "logprob" in owner);

/** Strings in the JSON redacted; secret-named fields' values replaced whole. Returns a copy. */
export function redactJson(value: unknown, rules: RedactionRules): { value: unknown; redactions: number; truncatedCustom: boolean } {
  const count = { n: 0 };
  const budget = newBudget();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactWith(v, rules, budget, count);
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const record = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) {
      if (isSecretField(key, record, item)) {
        count.n++;
        out[key] = "[REDACTED]";
      } else out[key] = walk(item);
    }
    return out;
  };
  return { value: walk(value), redactions: count.n, truncatedCustom: budget.truncated };
}

const SECRET_HEADER = /^(?:cookie|set-cookie)$|key|token|secret|auth/i;

/** Headers (names lowercased) with every credential's value replaced by [REDACTED]. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.map(([name, value]) => [name.toLowerCase(), SECRET_HEADER.test(name) ? "[REDACTED]" : value]));
}

// ---- Checking a tenant's patterns. Backtracking blows up when one stretch of text can be matched
// in many ways: a repeat around a repeat ((a+)+), a repeat around overlapping alternatives
// ((a|aa)+), long chains of optional parts. Those are refused; what is left runs in bounded pieces.

const NAME = /^[a-z0-9_]{1,32}$/;
const MAX_PATTERNS = 20;
const MAX_PATTERN_CHARS = 200;
/** Repeats whose count varies (?, *, +, {m,n}) per pattern. */
const MAX_VARIABLE_REPEATS = 10;
/** Ways a bounded repeat around a varying one may split a stretch of text, e.g. (\d{1,3}\.){3}: 27. */
const MAX_NESTED_WAYS = 1000;
/** A bounded repeat above this is treated as unbounded. */
const LARGE_REPEAT = 1000;

interface Repeat {
  min: number;
  max: number;
}

/** What a group (or the whole pattern) holds, for the checks made when it is repeated. */
interface Frame {
  lookaround: boolean;
  variable: number;
  unbounded: boolean;
  /** Product of the ranges (max - min + 1) of the bounded varying repeats inside. */
  ways: number;
  /** An alternation inside that can match one text in two ways (not distinct plain words). */
  ambiguous: boolean;
  alternatives: { literal: boolean; text: string }[];
}

type Atom = { kind: "char"; char: string } | { kind: "other" } | { kind: "group"; frame: Frame } | { kind: "none" };

const newFrame = (lookaround: boolean): Frame => ({
  lookaround,
  variable: 0,
  unbounded: false,
  ways: 1,
  ambiguous: false,
  alternatives: [{ literal: true, text: "" }],
});

const isVariable = (r: Repeat) => r.min !== r.max;
const isUnbounded = (r: Repeat) => r.max > LARGE_REPEAT;

function readRepeat(pattern: string, i: number): { repeat: Repeat; next: number } | null {
  const c = pattern[i];
  let repeat: Repeat;
  let next = i + 1;
  if (c === "*") repeat = { min: 0, max: Number.POSITIVE_INFINITY };
  else if (c === "+") repeat = { min: 1, max: Number.POSITIVE_INFINITY };
  else if (c === "?") repeat = { min: 0, max: 1 };
  else if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
    if (!m) return null;
    const min = Number(m[1]);
    repeat = { min, max: m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]) };
    next = i + m[0].length;
  } else return null;
  if (pattern[next] === "?") next++; // lazy: the same ways to match, tried in another order
  return { repeat, next };
}

/** Reads an escape at i (the backslash); returns the atom and where the next token starts, or an error. */
function readEscape(pattern: string, i: number): { atom: Atom; next: number } | string {
  const c = pattern[i + 1] ?? "";
  if (/[1-9]/.test(c) || (c === "k" && pattern[i + 2] === "<")) return "back-references are not allowed.";
  if ((c === "p" || c === "P" || c === "u") && pattern[i + 2] === "{") {
    const close = pattern.indexOf("}", i + 3);
    return { atom: { kind: "other" }, next: close === -1 ? pattern.length : close + 1 };
  }
  if (c === "b" || c === "B") return { atom: { kind: "none" }, next: i + 2 };
  if (/[^A-Za-z0-9]/.test(c)) return { atom: { kind: "char", char: c }, next: i + 2 };
  return { atom: { kind: "other" }, next: i + 2 };
}

function readClassEnd(pattern: string, i: number): number {
  let j = i + 1;
  if (pattern[j] === "^") j++;
  while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
  return j + 1;
}

const current = (frame: Frame) => frame.alternatives[frame.alternatives.length - 1]!;

/** Whether the alternatives can match one text in two ways: safe only as plain words with distinct first letters. */
function ambiguousAlternatives(frame: Frame, ignoreCase: boolean): boolean {
  if (frame.alternatives.length < 2) return false;
  const firsts = frame.alternatives.map((a) => (ignoreCase ? a.text.toLowerCase() : a.text)[0]);
  return frame.alternatives.some((a) => !a.literal || a.text === "") || new Set(firsts).size !== firsts.length;
}

/** The refusal for repeating `atom` by `repeat`, or null. */
function repeatError(atom: Atom, repeat: Repeat): string | null {
  if (atom.kind === "none") return "nothing to repeat.";
  if (atom.kind !== "group" || repeat.max <= 1) return null;
  const inner = atom.frame;
  if (inner.lookaround) return "a lookaround may not be repeated.";
  const nested = "a repeated group may not itself contain a repeat of varying length ((a+)+ and the like).";
  if (inner.unbounded) return nested;
  if (inner.variable > 0 && (isUnbounded(repeat) || isVariable(repeat))) return nested;
  if (inner.variable > 0 && inner.ways ** repeat.max > MAX_NESTED_WAYS) return nested;
  if (inner.ambiguous) return "a repeated group may not hold alternatives that overlap ((a|ab)+); use plain words or a character class.";
  return null;
}

function addRepeat(frame: Frame, atom: Atom, repeat: Repeat): void {
  current(frame).literal = false;
  if (atom.kind === "group") {
    frame.variable += atom.frame.variable;
    frame.unbounded ||= atom.frame.unbounded;
    frame.ways *= atom.frame.ways ** Math.min(repeat.max, 16);
  }
  if (!isVariable(repeat)) return;
  frame.variable++;
  if (isUnbounded(repeat)) frame.unbounded = true;
  else frame.ways *= repeat.max - repeat.min + 1;
}

/** Folds a closed group into the frame that holds it, when it is not repeated. */
function addGroup(frame: Frame, inner: Frame): void {
  frame.variable += inner.variable;
  frame.unbounded ||= inner.unbounded;
  frame.ways *= inner.ways;
  frame.ambiguous ||= inner.ambiguous;
  current(frame).literal = false;
}

interface Analysis {
  /** Why the pattern is refused; null: safe to run. */
  error: string | null;
  /** The longest text every match contains ("" when unknown), to skip text that cannot match. */
  required: string;
}

function analysePattern(pattern: string, flags: string): Analysis {
  try {
    new RegExp(pattern, flags);
  } catch {
    return { error: "not a valid regular expression.", required: "" };
  }
  const analysis = analyseStructure(pattern, flags.includes("i"));
  if (analysis.error === null && new RegExp(pattern, flags).test("")) return { error: "the pattern matches empty text.", required: "" };
  return analysis;
}

/** The run of plain characters at the top level being read, and the longest one so far. */
interface Literal {
  run: string;
  longest: string;
  alternated: boolean;
}

function foldLiteral(literal: Literal, atom: Atom): void {
  if (atom.kind !== "char") literal.run = "";
  else if ((literal.run += atom.char).length > literal.longest.length) literal.longest = literal.run;
}

function analyseStructure(pattern: string, ignoreCase: boolean): Analysis {
  const refuse = (error: string): Analysis => ({ error, required: "" });
  const stack: Frame[] = [newFrame(false)];
  const literal: Literal = { run: "", longest: "", alternated: false };
  let atom: Atom = { kind: "none" };
  for (let i = 0; i < pattern.length; ) {
    const frame = stack[stack.length - 1]!;
    const c = pattern[i]!;
    const quantified = readRepeat(pattern, i);
    if (quantified) {
      const error = repeatError(atom, quantified.repeat);
      if (error) return refuse(error);
      if (stack.some((f) => f.lookaround) && isVariable(quantified.repeat)) return refuse("a lookaround may not contain a repeat of varying length.");
      if (stack.length === 1) literal.run = "";
      addRepeat(frame, atom, quantified.repeat);
      if (atom.kind === "group") frame.ambiguous ||= atom.frame.ambiguous;
      atom = { kind: "none" };
      i = quantified.next;
      continue;
    }
    if (atom.kind === "group") addGroup(frame, atom.frame);
    else if (atom.kind === "char") current(frame).text += atom.char;
    else if (atom.kind === "other") current(frame).literal = false;
    if (stack.length === 1) foldLiteral(literal, atom);
    atom = { kind: "none" };
    if (c === "\\") {
      const escaped = readEscape(pattern, i);
      if (typeof escaped === "string") return refuse(escaped);
      ({ atom, next: i } = escaped);
    } else if (c === "[") {
      atom = { kind: "other" };
      i = readClassEnd(pattern, i);
    } else if (c === "(") {
      const lookaround = /^\(\?<?[=!]/.test(pattern.slice(i, i + 4));
      stack.push(newFrame(lookaround));
      const named = /^\(\?<[A-Za-z_$][\w$]*>/.exec(pattern.slice(i, i + 40));
      i += named ? named[0].length : pattern[i + 1] !== "?" ? 1 : lookaround ? (pattern[i + 2] === "<" ? 4 : 3) : 3;
    } else if (c === ")") {
      const inner = stack.pop()!;
      inner.ambiguous ||= ambiguousAlternatives(inner, ignoreCase);
      atom = { kind: "group", frame: inner };
      i++;
    } else if (c === "|") {
      frame.alternatives.push({ literal: true, text: "" });
      if (stack.length === 1) literal.alternated = true;
      i++;
    } else {
      atom = c === "^" || c === "$" ? { kind: "none" } : c === "." ? { kind: "other" } : { kind: "char", char: c };
      i++;
    }
  }
  const top = stack[0]!;
  if (atom.kind === "group") addGroup(top, atom.frame);
  foldLiteral(literal, atom);
  if (top.variable > MAX_VARIABLE_REPEATS) return refuse(`at most ${MAX_VARIABLE_REPEATS} repeats of varying length (?, *, +, {m,n}).`);
  return { error: null, required: literal.alternated ? "" : literal.longest };
}

/** A tenant's patterns checked: at most 20, each compiling, bounded and free of the constructs that backtrack without end. */
export function parseCustomPatterns(input: unknown): { ok: true; value: CustomPattern[] } | { ok: false; error: string } {
  if (!Array.isArray(input)) return { ok: false, error: "Patterns must be a list." };
  if (input.length > MAX_PATTERNS) return { ok: false, error: `At most ${MAX_PATTERNS} patterns.` };
  const out: CustomPattern[] = [];
  for (const [i, item] of input.entries()) {
    const checked = parseOne(item);
    if (typeof checked === "string") return { ok: false, error: `Pattern ${i + 1}: ${checked}` };
    out.push(checked);
  }
  return { ok: true, value: out };
}

function parseOne(item: unknown): CustomPattern | string {
  if (item === null || typeof item !== "object") return "an object with name and pattern.";
  const { name, pattern, flags } = item as Record<string, unknown>;
  if (typeof name !== "string" || !NAME.test(name)) return "name must be 1–32 of a–z, 0–9, _.";
  if (typeof pattern !== "string" || pattern.length === 0 || pattern.length > MAX_PATTERN_CHARS) return `pattern must be 1–${MAX_PATTERN_CHARS} characters.`;
  if (flags !== undefined && (typeof flags !== "string" || !/^[imsu]{0,4}$/.test(flags) || new Set(flags).size !== flags.length)) {
    return "flags only from i, m, s, u (each once).";
  }
  const { error } = analysePattern(pattern, flags ?? "");
  if (error) return error;
  return { name, pattern, ...(flags ? { flags } : {}) };
}
