// Alert and invitation e-mails (English and Russian, plain text and HTML) and their sending:
// through a JSON mail API (POST { from, to: [to], subject, text, html }, as Resend takes it) or
// Cloudflare's send_email binding, for which the MIME message is built here.
import { type AlertNotice, type AlertTenant, alertMessage, type Locale } from "./alert-messages.ts";
import { type ChannelResult, type PostOptions, postJson } from "./channel-post.ts";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface EmailMessage extends EmailContent {
  from: string;
  to: string;
}

export type EmailTransport =
  | { kind: "http"; url: string; headers?: Record<string, string> }
  | { kind: "binding"; send: (message: { from: string; to: string; raw: string }) => Promise<void> };

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function layout(title: string, body: string, link: { url: string; label: string }): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111;max-width:560px;margin:auto;padding:24px">
<h1 style="font-size:20px">${escapeHtml(title)}</h1><p style="font-size:15px;line-height:1.5">${escapeHtml(body)}</p>
<p><a href="${escapeHtml(link.url)}" style="display:inline-block;background:#2563eb;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>
<p style="font-size:12px;color:#666">AI Aggregator</p></body></html>`;
}

export function alertEmail(n: AlertNotice, locale: Locale, dashboardUrl: string, tenant?: AlertTenant): EmailContent {
  const m = alertMessage(n, locale, dashboardUrl, tenant);
  const label = locale === "ru" ? "Открыть панель" : "Open dashboard";
  return {
    subject: `AI Aggregator: ${m.title}`,
    text: `${m.title}\n\n${m.body}\n\n${label}: ${m.url}\n`,
    html: layout(m.title, m.body, { url: m.url, label }),
  };
}

export function invitationEmail(i: { tenantName: string; inviterName: string; role: string; link: string; locale: Locale }): EmailContent {
  const ru = i.locale === "ru";
  const title = ru ? `Приглашение в ${i.tenantName}` : `You are invited to ${i.tenantName}`;
  const body = ru ? `${i.inviterName} приглашает вас в ${i.tenantName} в роли ${i.role}.` : `${i.inviterName} invites you to ${i.tenantName} as ${i.role}.`;
  const label = ru ? "Принять приглашение" : "Accept the invitation";
  return { subject: title, text: `${body}\n\n${label}: ${i.link}\n`, html: layout(title, body, { url: i.link, label }) };
}

const base64 = (s: string) => {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
};
const wrap = (s: string) => s.replace(/.{1,76}/g, "$&\r\n");
/** RFC 2047: a header value outside ASCII as an encoded word. */
const headerValue = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${base64(s)}?=`);

/** A multipart/alternative MIME message (RFC 5322): plain text and HTML, both UTF-8 in base64. */
export function mimeMessage(m: EmailMessage, now = new Date()): string {
  const boundary = `b_${crypto.randomUUID()}`;
  const domain = m.from.split("@")[1] ?? "localhost";
  const part = (type: string, content: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(base64(content))}`;
  return [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${headerValue(m.subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    part("text/plain", m.text),
    part("text/html", m.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

export async function sendEmail(transport: EmailTransport, m: EmailMessage, options: PostOptions = {}): Promise<ChannelResult> {
  if (transport.kind === "http") {
    return postJson(transport.url, { from: m.from, to: [m.to], subject: m.subject, text: m.text, html: m.html }, transport.headers ?? {}, options);
  }
  try {
    await transport.send({ from: m.from, to: m.to, raw: mimeMessage(m) });
    return { outcome: "sent" };
  } catch (error) {
    return { outcome: "retry", error: String(error).slice(0, 200) };
  }
}

/** The operator's mail settings (wrangler vars and the optional `send_email` binding). */
export interface MailEnv {
  MAIL_API_URL?: string;
  MAIL_API_KEY?: string;
  MAIL_FROM?: string;
  EMAIL?: SendEmail;
}

export const mailFrom = (env: MailEnv) => env.MAIL_FROM || "alerts@localhost";

/** The operator's mail transport: a JSON mail API, else the `send_email` binding; none: e-mail is off. */
export function emailTransport(env: MailEnv): EmailTransport | null {
  if (env.MAIL_API_URL) return { kind: "http", url: env.MAIL_API_URL, headers: env.MAIL_API_KEY ? { authorization: `Bearer ${env.MAIL_API_KEY}` } : {} };
  const binding = env.EMAIL;
  if (!binding) return null;
  return {
    kind: "binding",
    send: async (message) => {
      const { EmailMessage: CloudflareEmail } = await import("cloudflare:email");
      await binding.send(new CloudflareEmail(message.from, message.to, message.raw));
    },
  };
}
