// Which URLs a tenant may configure for the gateway to call (provider base URLs, alert
// webhooks): https to a public host, never an internal address in any spelling. The platform
// operator's URLs are not checked (local models on 127.0.0.1 are a real use).
//
// The check is on the URL as the WHATWG parser reads it, which is also how fetch() reads it:
// the parser already turns decimal, hex, octal and short IPv4 spellings (2130706433, 0x7f.1,
// 0177.0.0.1, 127.1) into dotted quads and IPv6 into its compressed hex form, so the checks
// below see one spelling per address. A public DNS name that resolves to an internal address
// cannot be checked here (a Worker has no DNS API): in production Cloudflare's network refuses
// to connect a Worker's subrequest to a private or loopback destination, and because a redirect
// could lead anywhere unchecked, no call to a configured URL follows redirects.
import { AppError } from "../errors.ts";
import type { Caller } from "../rbac.ts";

type Cidr = readonly [base: string, prefix: number, what: string];

// Metadata services first, so that the message names them rather than their enclosing range.
const BLOCKED_V4: readonly Cidr[] = [
  ["169.254.169.254", 32, "a cloud metadata"],
  ["169.254.170.2", 32, "a cloud metadata"],
  ["100.100.100.200", 32, "a cloud metadata"],
  ["192.0.0.192", 32, "a cloud metadata"],
  ["0.0.0.0", 8, "an unspecified"],
  ["10.0.0.0", 8, "a private"],
  ["100.64.0.0", 10, "a shared (CGNAT)"],
  ["127.0.0.0", 8, "a loopback"],
  ["169.254.0.0", 16, "a link-local"],
  ["172.16.0.0", 12, "a private"],
  ["192.0.0.0", 24, "a reserved"],
  ["192.0.2.0", 24, "a documentation"],
  ["192.88.99.0", 24, "a reserved"],
  ["192.168.0.0", 16, "a private"],
  ["198.18.0.0", 15, "a reserved"],
  ["198.51.100.0", 24, "a documentation"],
  ["203.0.113.0", 24, "a documentation"],
  ["224.0.0.0", 4, "a multicast"],
  ["240.0.0.0", 4, "a reserved"],
];

const BLOCKED_V6: readonly Cidr[] = [
  ["::", 128, "an unspecified"],
  ["::1", 128, "a loopback"],
  ["fd00:ec2::254", 128, "a cloud metadata"],
  ["64:ff9b:1::", 48, "a local NAT64"],
  ["100::", 64, "a reserved"],
  ["2001::", 32, "a Teredo"],
  ["2001:db8::", 32, "a documentation"],
  ["3fff::", 20, "a documentation"],
  ["fc00::", 7, "a unique-local"],
  ["fe80::", 10, "a link-local"],
  ["fec0::", 10, "a site-local"],
  ["ff00::", 8, "a multicast"],
];

/** IPv6 ranges that carry an IPv4 address, and the bit at which it ends (from the right). */
const EMBEDDING_V4: readonly (readonly [base: string, prefix: number, shift: number])[] = [
  ["::", 96, 0], // IPv4-compatible
  ["::ffff:0:0", 96, 0], // IPv4-mapped
  ["::ffff:0:0:0", 96, 0], // IPv4-translated
  ["64:ff9b::", 96, 0], // NAT64 well-known prefix
  ["2002::", 16, 80], // 6to4
];

/** Names that resolve inside the network they are used in (RFC 6761, 6762 appendix G, 8375). */
const PRIVATE_SUFFIXES = ["localhost", "local", "internal", "intranet", "private", "corp", "home", "lan", "localdomain", "home.arpa"];

function parseIPv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

/** IPv6 as the URL parser serializes it: hex groups only (an IPv4 tail is already hex), at most one "::". */
function parseIPv6(text: string): bigint | null {
  const halves = text.split("::").map((half) => (half === "" ? [] : half.split(":")));
  if (halves.length > 2) return null;
  const left = halves[0] ?? [];
  const right = halves[1] ?? [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(missing).fill("0"), ...right];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function within(address: bigint, base: bigint, prefix: number, width: number): boolean {
  const shift = BigInt(width - prefix);
  return address >> shift === base >> shift;
}

function blockedKind(address: bigint, ranges: readonly Cidr[], width: number, parse: (text: string) => bigint | null): string | null {
  const hit = ranges.find(([base, prefix]) => within(address, parse(base)!, prefix, width));
  return hit ? hit[2] : null;
}

const ipv4Kind = (address: bigint) => blockedKind(address, BLOCKED_V4, 32, parseIPv4);

function ipv6Kind(address: bigint): string | null {
  const own = blockedKind(address, BLOCKED_V6, 128, parseIPv6);
  if (own) return own;
  for (const [base, prefix, shift] of EMBEDDING_V4) {
    if (!within(address, parseIPv6(base)!, prefix, 128)) continue;
    const embedded = ipv4Kind((address >> BigInt(shift)) & 0xffffffffn);
    if (embedded) return `${embedded} IPv4`;
  }
  return null;
}

function addressRefusal(hostname: string): string | null {
  const v6 = hostname.startsWith("[") ? parseIPv6(hostname.slice(1, -1)) : null;
  const v4 = v6 === null ? parseIPv4(hostname) : null;
  const kind = v6 !== null ? ipv6Kind(v6) : v4 !== null ? ipv4Kind(v4) : null;
  return kind ? `points to ${kind} address (${hostname})` : null;
}

function nameRefusal(name: string, selfName: string): string | null {
  if (name === selfName) return `points to this gateway (${name})`;
  if (!name.includes(".") && !name.startsWith("[")) return `must name a public host (${name} is a single-label name)`;
  const suffix = PRIVATE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  return suffix ? `names a local network host (.${suffix})` : null;
}

const bareName = (hostname: string) => hostname.toLowerCase().replace(/\.+$/, "");

/**
 * Why a tenant may not configure `raw`, or null when it may. `gatewayHostname` is the host the
 * gateway was reached at (the control-plane request's), which a tenant may not point at.
 */
export function tenantUrlRefusal(raw: string, gatewayHostname: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "https:") return "must use https";
  if (url.username || url.password) return "must not carry credentials (user:password@)";
  const name = bareName(url.hostname);
  return addressRefusal(name) ?? nameRefusal(name, bareName(gatewayHostname));
}

/** What the guard needs of a control-plane call: who configures, and at which host. */
export interface UrlConfigurer {
  var: { user: Pick<Caller, "isOperator"> };
  req: { url: string };
}

/** A 400 `url_not_allowed` naming `param` when a tenant (not the operator) may not configure `url`. */
export function assertConfigurableUrl(c: UrlConfigurer, url: string, param: string): void {
  if (c.var.user.isOperator) return;
  const refusal = tenantUrlRefusal(url, new URL(c.req.url).hostname);
  if (refusal === null) return;
  throw new AppError("invalid_request", `${param} ${refusal}: only the platform operator may configure such a URL.`, { code: "url_not_allowed", param });
}
