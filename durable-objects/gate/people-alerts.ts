// Alerts to people, from the tenant's gate (the bank): when a notification is recorded it is
// queued for fan-out; the alarm then reads the tenant's members, their preferences and devices
// from D1 and writes one delivery per channel and recipient (push to each device, e-mail to each
// member who asked, the tenant's Slack webhook), keyed by (alert, channel, recipient) so each is
// made at most once. Deliveries are attempted off the hot path with backoff; a failing channel
// never holds up another, and a push service's 404/410 forgets the device.
import { ALERT_PERMISSION, type AlertLanguage, type AlertPreferences, type NotificationType } from "../../worker/core/alert-types.ts";
import { hasPermission } from "../../worker/core/rbac.ts";
import { alertRecipients, forgetSubscription, touchSubscription } from "../../worker/db/alert-recipients.ts";
import { getDb } from "../../worker/db/client.ts";
import { alertMessage, type Locale } from "../../worker/services/alert-messages.ts";
import { alertEmail, emailTransport, mailFrom, sendEmail } from "../../worker/services/email.ts";
import { sendPush } from "../../worker/services/push.ts";
import { sendSlack, slackPayload } from "../../worker/services/slack.ts";
import type { Env } from "../bindings.ts";
import { backoffMs, MAX_ATTEMPTS } from "./alert-outbox.ts";

export const PEOPLE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS people_fanout (alert_id TEXT PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS people_outbox (alert_id TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, label TEXT NOT NULL,
    target TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, delivered_at INTEGER, failed_at INTEGER,
    PRIMARY KEY (alert_id, channel, recipient))`,
  `CREATE INDEX IF NOT EXISTS people_outbox_due ON people_outbox (delivered_at, failed_at, next_at)`,
];

const DUE_PER_ALARM = 25;
const KEEP_MS = 7 * 24 * 3600_000;
const FANOUT_RETRY_MS = 60_000;

/** An alert as the gate stored it (gate/alerts.ts Notification). */
export interface StoredAlert {
  id: string;
  type: NotificationType;
  tenant_id: string;
  message: string;
  data: Record<string, number | string>;
  created_at: string;
}

export type DeliveryChannel = "push" | "email" | "slack";
export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface Delivery {
  channel: DeliveryChannel;
  /** Who or where, as a person may read it: a device's label, an e-mail address, "Slack". */
  label: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
}

interface OutboxRow {
  alert_id: string;
  channel: DeliveryChannel;
  recipient: string;
  label: string;
  target: string;
  attempts: number;
  [column: string]: SqlStorageValue;
}

/** Where the tenant's alerts go beyond its members: read with the gate's alert settings. */
export interface TenantChannels {
  slackWebhookUrl: string | null;
  slackLanguage: AlertLanguage;
}

type Outcome = { outcome: "sent" | "gone" | "retry" | "failed"; error?: string; status?: number };

/** Whether `at` falls in the quiet hours (HH:MM to HH:MM, local to their time zone; may cross midnight). */
export function inQuietHours(quiet: AlertPreferences["quietHours"], at: number): boolean {
  if (!quiet) return false;
  const local = new Intl.DateTimeFormat("en-GB", { timeZone: quiet.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
  return quiet.start <= quiet.end ? local >= quiet.start && local < quiet.end : local >= quiet.start || local < quiet.end;
}

export class PeopleAlerts {
  private readonly sql: SqlStorage;
  private readonly env: Env;

  constructor(sql: SqlStorage, env: Env) {
    this.sql = sql;
    this.env = env;
  }

  /** Called as the alert is recorded (inside its transaction): the alarm fans it out. */
  queue(alert: StoredAlert, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO people_fanout (alert_id, body, at) VALUES (?, ?, ?)", alert.id, JSON.stringify(alert), now);
  }

  nextAttemptAt(): number | null {
    const fanout = this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM people_fanout").one().at;
    const due = this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM people_outbox WHERE delivered_at IS NULL AND failed_at IS NULL").one().at;
    const times = [fanout, due].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  /** From the alarm: fans out what is queued, then attempts what is due. Never throws. */
  async run(channels: TenantChannels, now: number): Promise<void> {
    await this.fanOut(channels, now).catch(() => undefined);
    await this.deliverDue(now).catch(() => undefined);
  }

  /** Deliveries of the given alerts, for the notifications list. */
  deliveries(alertIds: string[]): Map<string, Delivery[]> {
    const out = new Map<string, Delivery[]>();
    if (!alertIds.length) return out;
    const rows = this.sql
      .exec<OutboxRow & { delivered_at: number | null; failed_at: number | null; last_error: string | null }>(
        `SELECT * FROM people_outbox WHERE alert_id IN (${alertIds.map(() => "?").join(",")}) ORDER BY channel, label`,
        ...alertIds,
      )
      .toArray();
    for (const r of rows) {
      const status: DeliveryStatus = r.delivered_at !== null ? "delivered" : r.failed_at !== null ? "failed" : "pending";
      const list = out.get(r.alert_id) ?? [];
      list.push({ channel: r.channel, label: r.label, status, attempts: r.attempts, last_error: r.last_error });
      out.set(r.alert_id, list);
    }
    return out;
  }

  // ── fan-out ──

  private async fanOut(channels: TenantChannels, now: number): Promise<void> {
    const queued = this.sql.exec<{ alert_id: string; body: string }>("SELECT alert_id, body FROM people_fanout WHERE at <= ?", now).toArray();
    if (!queued.length) return;
    const alerts = queued.map((q) => JSON.parse(q.body) as StoredAlert);
    let recipients: Awaited<ReturnType<typeof alertRecipients>>;
    try {
      recipients = await alertRecipients(getDb(this.env.DB), alerts[0]!.tenant_id);
    } catch {
      this.sql.exec("UPDATE people_fanout SET at = ?", now + FANOUT_RETRY_MS); // D1 unavailable: later
      return;
    }
    for (const alert of alerts) {
      const add = (channel: DeliveryChannel, recipient: string, label: string, target: object, at = now) =>
        this.sql.exec(
          "INSERT OR IGNORE INTO people_outbox (alert_id, channel, recipient, label, target, next_at) VALUES (?, ?, ?, ?, ?, ?)",
          alert.id,
          channel,
          recipient,
          label,
          JSON.stringify(target),
          at,
        );
      for (const person of recipients) {
        if (!hasPermission({ role: person.role, isOperator: false }, ALERT_PERMISSION[alert.type])) continue;
        const at = inQuietHours(person.preferences.quietHours, now) ? now + 15 * 60_000 : now;
        const toPerson = { language: person.preferences.language ?? "en", ...(person.tenantName ? { tenant_name: person.tenantName } : {}) };
        if (person.preferences.push.includes(alert.type)) {
          for (const d of person.devices)
            add("push", d.id, `${person.email}: ${d.label}`, { id: d.id, endpoint: d.endpoint, p256dh: d.p256dh, auth: d.auth, ...toPerson }, at);
        }
        if (person.preferences.email.includes(alert.type)) add("email", person.userId, person.email, { to: person.email, ...toPerson }, at);
      }
      if (channels.slackWebhookUrl) add("slack", "tenant", "Slack", { url: channels.slackWebhookUrl, language: channels.slackLanguage });
      this.sql.exec("DELETE FROM people_fanout WHERE alert_id = ?", alert.id);
    }
  }

  // ── delivery ──

  private async deliverDue(now: number): Promise<void> {
    const due = this.sql
      .exec<OutboxRow>(
        `SELECT alert_id, channel, recipient, label, target, attempts FROM people_outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ${DUE_PER_ALARM}`,
        now,
      )
      .toArray();
    this.sql.exec("DELETE FROM people_outbox WHERE coalesce(delivered_at, failed_at) < ?", now - KEEP_MS);
    if (!due.length) return;
    const alerts = new Map<string, StoredAlert>();
    for (const row of due) alerts.set(row.alert_id, this.alertBody(row.alert_id));
    await Promise.all(due.map(async (row) => this.settle(row, await this.attempt(row, alerts.get(row.alert_id)!).catch((e: unknown) => retry(e)))));
  }

  private alertBody(id: string): StoredAlert {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM notifications WHERE id = ?", id).toArray()[0];
    return row
      ? (JSON.parse(row.body) as StoredAlert)
      : { id, type: "balance.low", tenant_id: "", message: "An alert", data: {}, created_at: new Date().toISOString() };
  }

  private async attempt(row: OutboxRow, alert: StoredAlert): Promise<Outcome> {
    const target = JSON.parse(row.target) as Record<string, string>;
    const origin = this.env.PUBLIC_URL || "http://127.0.0.1:8787";
    const language: Locale = target.language === "ru" ? "ru" : "en";
    const tenant = target.tenant_name ? { id: alert.tenant_id, name: target.tenant_name } : undefined;
    if (row.channel === "push") return this.push(target, alert, alertMessage(alert, language, origin, tenant));
    if (row.channel === "slack") return sendSlack(target.url!, slackPayload(alert, language, origin));
    const transport = emailTransport(this.env);
    if (!transport) return { outcome: "failed", error: "e-mail is not configured (MAIL_API_URL or the EMAIL binding)" };
    return sendEmail(transport, { to: target.to!, from: mailFrom(this.env), ...alertEmail(alert, language, origin, tenant) });
  }

  private async push(target: Record<string, string>, alert: StoredAlert, message: ReturnType<typeof alertMessage>): Promise<Outcome> {
    if (!this.env.VAPID_PUBLIC_KEY || !this.env.VAPID_PRIVATE_KEY) return { outcome: "failed", error: "Web Push is not configured (VAPID keys)" };
    const vapid = {
      publicKey: this.env.VAPID_PUBLIC_KEY,
      privateKey: this.env.VAPID_PRIVATE_KEY,
      subject: this.env.VAPID_SUBJECT || "mailto:alerts@localhost",
    };
    const payload = { id: alert.id, type: alert.type, title: message.title, body: message.body, url: pathOf(message.url), tag: message.tag };
    const result = await sendPush({ endpoint: target.endpoint!, keys: { p256dh: target.p256dh!, auth: target.auth! } }, payload, vapid, {
      urgency: alert.type === "provider.down" || alert.type === "balance.low" ? "high" : "normal",
      topic: message.tag.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 32),
    });
    const db = getDb(this.env.DB);
    if (result.outcome === "gone") await forgetSubscription(db, target.id!).catch(() => undefined);
    if (result.outcome === "sent") await touchSubscription(db, target.id!, Date.now()).catch(() => undefined);
    return result;
  }

  private settle(row: OutboxRow, result: Outcome): void {
    const attempts = row.attempts + 1;
    const at = Date.now();
    const key = [row.alert_id, row.channel, row.recipient] as const;
    if (result.outcome === "sent") {
      this.sql.exec(
        "UPDATE people_outbox SET attempts = ?, delivered_at = ?, last_error = NULL WHERE alert_id = ? AND channel = ? AND recipient = ?",
        attempts,
        at,
        ...key,
      );
      return;
    }
    const error = (result.error ?? (result.status ? `HTTP ${result.status}` : result.outcome)).slice(0, 300);
    if (result.outcome === "retry" && attempts < MAX_ATTEMPTS) {
      this.sql.exec(
        "UPDATE people_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE alert_id = ? AND channel = ? AND recipient = ?",
        attempts,
        at + backoffMs(attempts),
        error,
        ...key,
      );
      return;
    }
    const reason = result.outcome === "gone" ? "the device unsubscribed; it was removed" : error;
    this.sql.exec(
      "UPDATE people_outbox SET attempts = ?, failed_at = ?, last_error = ? WHERE alert_id = ? AND channel = ? AND recipient = ?",
      attempts,
      at,
      reason,
      ...key,
    );
  }
}

const pathOf = (url: string) => {
  const { pathname, search } = new URL(url);
  return pathname + search;
};
const retry = (error: unknown): Outcome => ({ outcome: "retry", error: String(error).slice(0, 200) });
