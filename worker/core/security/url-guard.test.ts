import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { assertConfigurableUrl, tenantUrlRefusal } from "./url-guard.ts";

const GATEWAY = "gateway.test";
const refusal = (url: string) => tenantUrlRefusal(url, GATEWAY);

describe("the URL parser (workerd), which the guard relies on", () => {
  it.each([
    ["https://2130706433", "127.0.0.1"],
    ["https://0x7f.1", "127.0.0.1"],
    ["https://0177.0.0.1", "127.0.0.1"],
    ["https://127.1", "127.0.0.1"],
    ["https://127.0.0.1.", "127.0.0.1"],
    ["https://%31%32%37.0.0.1", "127.0.0.1"],
    ["https://０x7f.0.0.1", "127.0.0.1"],
    ["https://0", "0.0.0.0"],
    ["https://[::ffff:127.0.0.1]", "[::ffff:7f00:1]"],
    ["https://[0:0:0:0:0:ffff:7f00:0001]", "[::ffff:7f00:1]"],
    ["https://[64:ff9b::10.0.0.1]", "[64:ff9b::a00:1]"],
    ["https://LocalHost.", "localhost."],
  ])("reads %s as host %s", (url, hostname) => {
    expect(new URL(url).hostname).toBe(hostname);
  });
});

describe("tenantUrlRefusal", () => {
  it.each([
    ["http://api.example.com/v1", "https"],
    ["https://user:secret@api.example.com", "credentials"],
    ["https://user@api.example.com", "credentials"],
    ["not a url", "valid URL"],
  ])("refuses %s (%s)", (url, reason) => {
    expect(refusal(url)).toContain(reason);
  });

  it.each([
    // IPv4 in every spelling the parser accepts
    ["https://127.0.0.1:8787/v1", "loopback"],
    ["https://2130706433", "loopback"],
    ["https://0x7f.1", "loopback"],
    ["https://0177.0.0.1", "loopback"],
    ["https://127.1", "loopback"],
    ["https://127.0.0.1.", "loopback"],
    ["https://%31%32%37.0.0.1", "loopback"],
    ["https://0", "unspecified"],
    ["https://0.0.0.0", "unspecified"],
    ["https://10.1.2.3", "private"],
    ["https://172.16.0.1", "private"],
    ["https://172.31.255.255", "private"],
    ["https://192.168.1.1", "private"],
    ["https://100.64.0.1", "CGNAT"],
    ["https://169.254.1.1", "link-local"],
    ["https://169.254.169.254/latest/meta-data", "metadata"],
    ["https://0xa9fea9fe", "metadata"],
    ["https://100.100.100.200", "metadata"],
    ["https://224.0.0.1", "multicast"],
    ["https://255.255.255.255", "reserved"],
    ["https://198.18.0.1", "reserved"],
    // IPv6, and IPv4 carried inside IPv6
    ["https://[::1]", "loopback"],
    ["https://[::]", "unspecified"],
    ["https://[fe80::1]", "link-local"],
    ["https://[fc00::1]", "unique-local"],
    ["https://[fd12:3456::1]", "unique-local"],
    ["https://[fd00:ec2::254]", "metadata"],
    ["https://[ff02::1]", "multicast"],
    ["https://[fec0::1]", "site-local"],
    ["https://[::ffff:127.0.0.1]", "loopback IPv4"],
    ["https://[::ffff:7f00:1]", "loopback IPv4"],
    ["https://[::ffff:a9fe:a9fe]", "metadata IPv4"],
    ["https://[::127.0.0.1]", "loopback IPv4"],
    ["https://[::ffff:0:10.0.0.1]", "private IPv4"],
    ["https://[64:ff9b::10.0.0.1]", "private IPv4"],
    ["https://[64:ff9b::7f00:1]", "loopback IPv4"],
    ["https://[64:ff9b:1::1]", "NAT64"],
    ["https://[2002:c0a8:101::1]", "private IPv4"],
    ["https://[2001:0:4136:e378::1]", "Teredo"],
    // names that stay inside a network
    ["https://localhost", "single-label"],
    ["https://LOCALHOST.:443", "single-label"],
    ["https://metadata/computeMetadata/v1", "single-label"],
    ["https://api.localhost", ".localhost"],
    ["https://printer.local", ".local"],
    ["https://metadata.google.internal", ".internal"],
    ["https://metadata.google.internal.", ".internal"],
    ["https://router.home.arpa", ".home.arpa"],
    // the gateway itself, on any port
    ["https://gateway.test/v1", "this gateway"],
    ["https://GATEWAY.test.:8443/v1", "this gateway"],
  ])("refuses %s (%s)", (url, reason) => {
    expect(refusal(url)).toContain(reason);
  });

  it.each([
    "https://api.openai.com/v1",
    "https://generativelanguage.googleapis.com",
    "https://llm.example.com:8443/v1",
    "https://8.8.8.8",
    "https://172.32.0.1",
    "https://100.128.0.1",
    "https://[2606:4700:4700::1111]",
    "https://[::ffff:8.8.8.8]",
    "https://[64:ff9b::808:808]",
    "https://api.gateway.test",
  ])("allows %s", (url) => {
    expect(refusal(url)).toBeNull();
  });
});

describe("assertConfigurableUrl", () => {
  const caller = (isOperator: boolean) => ({ var: { user: { isOperator } }, req: { url: "http://gateway.test/api/providers" } });

  it("answers a tenant 400 url_not_allowed naming the field", () => {
    let thrown: unknown;
    try {
      assertConfigurableUrl(caller(false), "https://[::ffff:7f00:1]/v1", "base_url");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ status: 400, code: "url_not_allowed", param: "base_url" });
  });

  it("lets the operator point anywhere", () => {
    for (const url of ["http://127.0.0.1:11434/v1", "http://localhost:8080", "https://gateway.test/v1"]) {
      expect(() => assertConfigurableUrl(caller(true), url, "base_url")).not.toThrow();
    }
  });
});
