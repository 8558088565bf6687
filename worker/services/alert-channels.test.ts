import { describe, expect, it } from "vitest";
import { type AlertNotice, alertMessage } from "./alert-messages.ts";
import { alertEmail, invitationEmail, mimeMessage, sendEmail } from "./email.ts";
import { sendSlack, slackPayload } from "./slack.ts";

const LOW: AlertNotice = { id: "ntf_1", type: "balance.low", message: "m", data: { balance_micros: 4_000_000, threshold_micros: 5_000_000 } };
const DOWN: AlertNotice = {
  id: "ntf_2",
  type: "provider.down",
  message: "m",
  data: { provider_id: "prv_1", provider_name: "<b>openai</b>", reason: "503", failures: 5, samples: 6 },
};
const BUDGET: AlertNotice = {
  id: "ntf_3",
  type: "budget.threshold_crossed",
  message: "m",
  data: { threshold_percent: 80, month_spend_micros: 8_000_000, monthly_budget_micros: 10_000_000, month: "2026-12" },
};
const ORIGIN = "https://dash.example.com";

describe("alertMessage", () => {
  it("says each alert in English and Russian, links the right page, and tags repeats alike", () => {
    expect(alertMessage(LOW, "en", ORIGIN)).toEqual({
      title: "Balance is low",
      body: "The balance is $4.00, below $5.00. Top up so calls keep running.",
      url: "https://dash.example.com/billing",
      tag: "balance.low",
    });
    expect(alertMessage(LOW, "ru", ORIGIN).body).toContain("4,00 $");
    expect(alertMessage(DOWN, "en", ORIGIN)).toMatchObject({ url: "https://dash.example.com/diagnostics", tag: "provider:prv_1" });
    expect(alertMessage(DOWN, "ru", ORIGIN).title).toMatch(/не отвечает/);
    expect(alertMessage(BUDGET, "en", ORIGIN)).toMatchObject({ title: "Budget 80% spent", body: "$8.00 of $10.00 spent.", tag: "budget:2026-12" });
    // To a person in several tenants: which one, and a link that switches to it.
    expect(alertMessage(LOW, "en", ORIGIN, { id: "ten_a", name: "Acme" })).toMatchObject({
      title: "Balance is low · Acme",
      url: "https://dash.example.com/billing?tenant=ten_a",
      tag: "ten_a:balance.low",
    });
  });
});

describe("Slack", () => {
  it("carries the text and blocks with a button to the page, and reports how the POST went", async () => {
    const payload = slackPayload(DOWN, "en", ORIGIN) as { text: string; blocks: { type: string }[] };
    expect(payload.text).toContain("<https://dash.example.com/diagnostics|Open dashboard>");
    expect(payload.blocks.map((b) => b.type)).toEqual(["header", "section", "actions"]);
    const answer = (status: number) => async () => new Response("x", { status });
    expect((await sendSlack("https://hooks.example.com/x", payload, { fetch: answer(200) })).outcome).toBe("sent");
    expect((await sendSlack("https://hooks.example.com/x", payload, { fetch: answer(500) })).outcome).toBe("retry");
    expect((await sendSlack("https://hooks.example.com/x", payload, { fetch: answer(404) })).outcome).toBe("failed");
    expect(
      (
        await sendSlack("https://hooks.example.com/x", payload, {
          fetch: async () => {
            throw new TypeError("down");
          },
        })
      ).outcome,
    ).toBe("retry");
  });
});

describe("e-mail", () => {
  it("escapes what an alert quotes in its HTML, and has a plain-text part with the link", () => {
    const mail = alertEmail(DOWN, "en", ORIGIN);
    expect(mail.html).toContain("&lt;b&gt;openai&lt;/b&gt;");
    expect(mail.html).not.toContain("<b>openai</b>");
    expect(mail.text).toContain("https://dash.example.com/diagnostics");
    expect(invitationEmail({ tenantName: "Acme", inviterName: "Ada", role: "admin", link: "https://x/accept", locale: "ru" }).subject).toBe(
      "Приглашение в Acme",
    );
  });

  it("builds a MIME message whose parts and encoded Russian subject read back", () => {
    const raw = mimeMessage({ from: "a@example.com", to: "b@example.com", ...alertEmail(LOW, "ru", ORIGIN) });
    const subject = /^Subject: =\?UTF-8\?B\?([^?]+)\?=$/m.exec(raw)![1]!;
    const decode = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64.replace(/\r\n/g, "")), (c) => c.charCodeAt(0)));
    expect(decode(subject)).toBe("AI Aggregator: Баланс на исходе");
    const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
    const parts = raw.split(`--${boundary}`).slice(1, 3);
    expect(parts[0]).toContain("Content-Type: text/plain; charset=utf-8");
    expect(decode(parts[0]!.split("\r\n\r\n")[1]!)).toContain("4,00 $");
    expect(decode(parts[1]!.split("\r\n\r\n")[1]!)).toContain("<html>");
  });

  it("posts to a JSON mail API with its key, or hands the MIME message to the binding", async () => {
    const seen: { url: string; body: unknown; auth: string | null }[] = [];
    const fetchStub = async (url: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(url), body: JSON.parse(String(init?.body)), auth: new Headers(init?.headers).get("authorization") });
      return new Response("{}", { status: 200 });
    };
    const message = { from: "a@example.com", to: "b@example.com", ...alertEmail(LOW, "en", ORIGIN) };
    expect(
      (await sendEmail({ kind: "http", url: "https://mail.example.com/send", headers: { authorization: "Bearer k" } }, message, { fetch: fetchStub })).outcome,
    ).toBe("sent");
    expect(seen[0]).toMatchObject({
      url: "https://mail.example.com/send",
      auth: "Bearer k",
      body: { from: "a@example.com", to: ["b@example.com"], subject: message.subject },
    });
    const raws: string[] = [];
    expect((await sendEmail({ kind: "binding", send: async (m) => void raws.push(m.raw) }, message)).outcome).toBe("sent");
    expect(raws[0]).toMatch(/^From: a@example.com\r\nTo: b@example.com\r\n/);
  });
});
