// Alerts, inside the tenant's gate (the bank): after every change of the balance or the month's
// spend, each threshold is compared with the state it was last seen in. A crossing raises one
// notification; the threshold is then remembered as crossed for the month, and forgotten when
// the value is back on the safe side (a top-up, a higher budget) or a new month starts.
//
// Notifications are kept (the last KEEP_NOTIFICATIONS), pushed to open SSE streams at once and,
// if the tenant has a webhook URL, put in an outbox the gate's alarm delivers from, signed,
// with exponential backoff between attempts (alert-outbox.ts).
//
// Provider alerts come from the gateway instead: a call of the tenant that opened a provider's
// circuit raises provider.down, one that closed it provider.recovered. The provider is
// remembered as down until then, so an outage is one alert however many isolates (each with its
// own circuits) see it open; an opening long after the last alert raises again, so a recovery
// no isolate of this tenant saw does not silence the next outage for good.
import type { AlarmClock } from "../alarm-clock.ts";
import { intVar } from "../../worker/core/env-vars.ts";
import { newId } from "../../worker/core/ids.ts";
import { monthStart } from "../../worker/core/time.ts";
import type { Env } from "../bindings.ts";
import { alertWebhookSecret } from "../../worker/services/alerts.ts";
import { AlertOutbox } from "./alert-outbox.ts";
import { type Delivery, PEOPLE_SCHEMA, PeopleAlerts } from "./people-alerts.ts";
import { alertSettings } from "./d1.ts";

export const ALERT_SCHEMA = [
  // One row per threshold crossed this month: `budget:<percent>` or `low_balance`; and one per
  // provider the tenant was told is down: `provider:<id>` (month 0, `at` when it was told).
  `CREATE TABLE IF NOT EXISTS alert_state (key TEXT PRIMARY KEY, month INTEGER NOT NULL, at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS notifications (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alert_outbox (id TEXT PRIMARY KEY, url TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, delivered_at INTEGER, failed_at INTEGER)`,
  `CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (delivered_at, failed_at, next_at)`,
];

export const DEFAULT_THRESHOLDS = [50, 80, 100];
export const KEEP_NOTIFICATIONS = 100;
const CONFIG_TTL_MS = 5 * 60_000;
const HEARTBEAT_MS = 25_000;
/** A provider still down this long after its alert is alerted again when a circuit opens. */
export const PROVIDER_DOWN_REPEAT_MS = 6 * 3600_000;

import { type AlertLanguage, NOTIFICATION_TYPES, type NotificationType } from "../../worker/core/alert-types.ts";

export { NOTIFICATION_TYPES, type NotificationType };

/** A provider's circuit opened or closed on one of the tenant's calls (sent by the gateway). */
export interface ProviderCircuitReport {
  providerId: string;
  providerName: string;
  state: "open" | "closed";
  /** The attempt's outcome: an HTTP status, `timeout`, `network`, … */
  reason: string;
  failures: number;
  samples: number;
}

export interface Notification {
  id: string;
  /** Increasing per tenant: the SSE event id (Last-Event-ID resumes after it). */
  seq: number;
  type: NotificationType;
  tenant_id: string;
  message: string;
  data: Record<string, number | string>;
  created_at: string;
  /** How it reached people (push, e-mail, Slack): in the list only. */
  deliveries?: Delivery[];
}

/** What the gate knows when asked: null on a shard (only the bank sees the whole balance). */
export interface AlertInputs {
  tenantId: string;
  balanceMicros: number;
  /** Computed only when the tenant has a budget: it scans the month's journal. */
  monthSpendMicros: () => number;
}

interface AlertConfig {
  billingEnabled: boolean;
  budgetMicros: number | null;
  thresholds: number[];
  lowBalanceMicros: number;
  webhookUrl: string | null;
  slackWebhookUrl: string | null;
  slackLanguage: AlertLanguage;
  secretVersion: number;
  loadedAt: number;
}

const encoder = new TextEncoder();
const dollars = (micros: number) => `$${(micros / 1_000_000).toFixed(2)}`;

type Alert = Pick<Notification, "type" | "message" | "data">;

const describeReason = (reason: string) => (/^\d{3}$/.test(reason) ? `HTTP ${reason}` : reason);

function providerDown(r: ProviderCircuitReport): Alert {
  return {
    type: "provider.down",
    message: `The provider ${r.providerName} is failing: ${r.failures} of ${r.samples} recent calls failed (last: ${describeReason(r.reason)}). Calls go to fallbacks, or fail, until it recovers.`,
    data: { provider_id: r.providerId, provider_name: r.providerName, reason: r.reason, failures: r.failures, samples: r.samples },
  };
}

function providerRecovered(r: ProviderCircuitReport, downAt: number): Alert {
  return {
    type: "provider.recovered",
    message: `The provider ${r.providerName} answers again; calls go to it as before.`,
    data: { provider_id: r.providerId, provider_name: r.providerName, down_since: new Date(downAt).toISOString() },
  };
}

/** A scoped budget's spend in its current period (scopes.ts). */
export interface ScopeSpend {
  scope: string;
  /** "the API key", "end user 'ann'", … */
  what: string;
  period: string;
  periodStart: number;
  spentMicros: number;
  budgetMicros: number;
}

function scopeBudgetAlert(s: ScopeSpend, percent: number): Alert {
  const period = s.period === "total" ? "total" : s.period;
  return {
    type: "budget.threshold_crossed",
    message: `Spend reached ${percent}% of the ${period} budget of ${s.what} (${dollars(s.spentMicros)} of ${dollars(s.budgetMicros)}).`,
    data: {
      scope: s.scope,
      threshold_percent: percent,
      spent_micros: s.spentMicros,
      budget_micros: s.budgetMicros,
      budget_period: s.period,
      period_start: new Date(s.periodStart).toISOString(),
    },
  };
}

function sseFrame(n: Notification): string {
  return `id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;
}

export class GateAlerts {
  private readonly ctx: DurableObjectState;
  private readonly env: Env;
  private readonly read: () => AlertInputs | null;
  private readonly clock: AlarmClock;
  private readonly outbox: AlertOutbox;
  private readonly people: PeopleAlerts;
  private config: AlertConfig | null = null;
  private loading: Promise<AlertConfig | null> | null = null;
  private readonly subscribers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: DurableObjectState, env: Env, read: () => AlertInputs | null, clock: AlarmClock) {
    this.ctx = ctx;
    this.clock = clock;
    this.env = env;
    this.read = read;
    for (const ddl of [...ALERT_SCHEMA, ...PEOPLE_SCHEMA]) ctx.storage.sql.exec(ddl);
    this.outbox = new AlertOutbox(ctx.storage.sql);
    this.people = new PeopleAlerts(ctx.storage.sql, env);
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /** The tenant's settings changed: read them again on next use. */
  forget(): void {
    this.config = null;
  }

  private loadConfig(tenantId: string, now: number): Promise<AlertConfig | null> {
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS) return Promise.resolve(this.config);
    this.loading ??= alertSettings(this.env.DB, tenantId)
      .then((row) => {
        if (!row) return null;
        const parsed: unknown = row.alertThresholds;
        const thresholds = Array.isArray(parsed) ? parsed.filter((n): n is number => Number.isInteger(n) && n > 0) : DEFAULT_THRESHOLDS;
        this.config = {
          billingEnabled: row.billingEnabled,
          budgetMicros: row.monthlyBudgetMicros,
          thresholds,
          lowBalanceMicros: row.lowBalanceMicros ?? intVar(this.env.LOW_BALANCE_MICROS, 0, 0),
          webhookUrl: row.alertWebhookUrl,
          slackWebhookUrl: row.slackWebhookUrl,
          slackLanguage: row.slackLanguage,
          secretVersion: row.alertWebhookSecretVersion,
          loadedAt: Date.now(),
        };
        return this.config;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /**
   * Compares every threshold with the gate's current state. Synchronous when the settings are
   * cached (so it runs in the same turn as the change that called it); never throws.
   */
  check(): void | Promise<void> {
    const inputs = this.read();
    if (!inputs) return;
    const now = Date.now();
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS) return this.evaluate(this.config, now);
    return this.loadConfig(inputs.tenantId, now).then(
      (config) => (config ? this.evaluate(config, Date.now()) : undefined),
      () => undefined, // D1 unavailable: the next change checks again
    );
  }

  private evaluate(config: AlertConfig, now: number): void {
    const state = this.read(); // now, not when the check was asked for: it may have waited for D1
    if (!state) return;
    const month = monthStart(now);
    const fired: Notification[] = [];
    this.ctx.storage.transactionSync(() => {
      const crossing = (key: string, crossed: boolean, make: () => Alert) => {
        const row = this.sql.exec<{ month: number }>("SELECT month FROM alert_state WHERE key = ?", key).toArray()[0];
        if (!crossed) {
          if (row) this.sql.exec("DELETE FROM alert_state WHERE key = ?", key);
          return;
        }
        if (row && row.month === month) return;
        this.sql.exec("INSERT OR REPLACE INTO alert_state (key, month, at) VALUES (?, ?, ?)", key, month, now);
        fired.push(this.record(state.tenantId, config, make(), now));
      };

      const budget = config.budgetMicros;
      const active = new Set<string>();
      if (budget !== null && budget > 0) {
        const spend = state.monthSpendMicros();
        for (const percent of config.thresholds) {
          const key = `budget:${percent}`;
          active.add(key);
          // BigInt: spend × 100 may pass 2^53 for the largest budgets.
          crossing(key, BigInt(spend) * 100n >= BigInt(budget) * BigInt(percent), () => ({
            type: "budget.threshold_crossed",
            message: `This month's spend reached ${percent}% of the monthly budget (${dollars(spend)} of ${dollars(budget)}).`,
            data: { threshold_percent: percent, month_spend_micros: spend, monthly_budget_micros: budget, month: new Date(month).toISOString().slice(0, 7) },
          }));
        }
      }
      // Thresholds no longer configured (or no budget any more) are forgotten.
      for (const { key } of this.sql.exec<{ key: string }>("SELECT key FROM alert_state WHERE key LIKE 'budget:%'").toArray()) {
        if (!active.has(key)) this.sql.exec("DELETE FROM alert_state WHERE key = ?", key);
      }

      const low = config.lowBalanceMicros;
      crossing("low_balance", config.billingEnabled && low > 0 && state.balanceMicros < low, () => ({
        type: "balance.low",
        message: `The balance is ${dollars(state.balanceMicros)}, below the low-balance threshold of ${dollars(low)}.`,
        data: { balance_micros: state.balanceMicros, threshold_micros: low },
      }));
    });
    this.publish(fired, config, now);
  }

  /**
   * Budgets below the tenant's (a key's, an end user's, a model cap's) after spend reached them:
   * budget.threshold_crossed once per threshold, scope and period. Never throws.
   */
  async scopeBudgets(spends: ScopeSpend[]): Promise<void> {
    const tenantId = this.read()?.tenantId;
    if (!tenantId || !spends.length) return;
    const config = await this.loadConfig(tenantId, Date.now()).catch(() => null);
    if (!config) return;
    const now = Date.now();
    const fired: Notification[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const s of spends) {
        for (const percent of config.thresholds) {
          // BigInt: spend × 100 may pass 2^53 for the largest budgets.
          if (BigInt(s.spentMicros) * 100n < BigInt(s.budgetMicros) * BigInt(percent)) continue;
          const key = `scope:${s.scope}:${percent}`;
          const row = this.sql.exec<{ month: number }>("SELECT month FROM alert_state WHERE key = ?", key).toArray()[0];
          if (row && row.month === s.periodStart) continue;
          this.sql.exec("INSERT OR REPLACE INTO alert_state (key, month, at) VALUES (?, ?, ?)", key, s.periodStart, now);
          fired.push(this.record(tenantId, config, scopeBudgetAlert(s, percent), now));
        }
      }
    });
    this.publish(fired, config, now);
  }

  /**
   * A provider's circuit changed on one of the tenant's calls: provider.down once per outage,
   * provider.recovered once after it. Never throws.
   */
  async provider(report: ProviderCircuitReport): Promise<void> {
    const tenantId = this.read()?.tenantId;
    if (!tenantId) return;
    const config = await this.loadConfig(tenantId, Date.now()).catch(() => null);
    if (!config) return;
    const now = Date.now();
    const key = `provider:${report.providerId}`;
    const fired: Notification[] = [];
    this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec<{ at: number }>("SELECT at FROM alert_state WHERE key = ?", key).toArray()[0];
      if (report.state === "open") {
        if (row && now - row.at < PROVIDER_DOWN_REPEAT_MS) return;
        this.sql.exec("INSERT OR REPLACE INTO alert_state (key, month, at) VALUES (?, 0, ?)", key, now);
        fired.push(this.record(tenantId, config, providerDown(report), now));
      } else if (row) {
        this.sql.exec("DELETE FROM alert_state WHERE key = ?", key);
        fired.push(this.record(tenantId, config, providerRecovered(report, row.at), now));
      }
    });
    this.publish(fired, config, now);
  }

  /** Pushes what was just recorded to open streams and wakes the alarm for its deliveries (webhook, people). */
  private publish(fired: Notification[], _config: AlertConfig, now: number): void {
    if (!fired.length) return;
    for (const n of fired) this.broadcast(sseFrame(n));
    void this.clock.wakeBy(now);
  }

  /** Stores a notification (and its webhook delivery); keeps the newest KEEP_NOTIFICATIONS. */
  private record(tenantId: string, config: AlertConfig, what: Alert, now: number): Notification {
    const id = newId("ntf");
    const partial = { id, type: what.type, tenant_id: tenantId, message: what.message, data: what.data, created_at: new Date(now).toISOString() };
    const seq = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO notifications (id, type, body, created_at) VALUES (?, ?, ?, ?) RETURNING seq",
        id,
        what.type,
        JSON.stringify(partial),
        now,
      )
      .one().seq;
    this.sql.exec("DELETE FROM notifications WHERE seq <= ?", seq - KEEP_NOTIFICATIONS);
    const notification: Notification = { ...partial, seq };
    if (config.webhookUrl) this.outbox.enqueue(id, config.webhookUrl, JSON.stringify(notification), now);
    this.people.queue(notification, now);
    return notification;
  }

  // ── reading and streaming ───────────────────────────────────────────────────────────────

  list(limit: number, beforeSeq: number | null = null): Notification[] {
    const rows = this.sql
      .exec<{ seq: number; body: string }>(
        "SELECT seq, body FROM notifications WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        beforeSeq ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray();
    const list = rows.map((r) => ({ ...(JSON.parse(r.body) as Omit<Notification, "seq">), seq: r.seq }));
    const deliveries = this.people.deliveries(list.map((n) => n.id));
    return list.map((n) => ({ ...n, deliveries: deliveries.get(n.id) ?? [] }));
  }

  /** An SSE stream: the notifications after `afterSeq` (a reconnect's Last-Event-ID), then live ones. */
  stream(afterSeq: number | null): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    let hello = "retry: 5000\n: notifications\n\n";
    if (afterSeq !== null) {
      const missed = this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM notifications WHERE seq > ? ORDER BY seq", afterSeq).toArray();
      for (const r of missed) hello += sseFrame({ ...(JSON.parse(r.body) as Omit<Notification, "seq">), seq: r.seq });
    }
    this.subscribers.add(writer);
    this.write(writer, hello);
    this.heartbeat ??= setInterval(() => this.broadcast(": ping\n\n"), HEARTBEAT_MS);
    return readable;
  }

  private write(writer: WritableStreamDefaultWriter<Uint8Array>, text: string): void {
    writer.write(encoder.encode(text)).catch(() => this.drop(writer));
  }

  private broadcast(text: string): void {
    for (const writer of this.subscribers) this.write(writer, text);
  }

  private drop(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.subscribers.delete(writer);
    writer.abort().catch(() => undefined);
    if (this.subscribers.size === 0 && this.heartbeat !== null) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  // ── webhook delivery, from the gate's alarm ─────────────────────────────────────────────

  /** When the alarm should next run for a delivery, if any is waiting. */
  nextAttemptAt(): number | null {
    const times = [this.outbox.nextAttemptAt(), this.people.nextAttemptAt()].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  /** Attempts every due delivery once, signed with the tenant's current webhook secret. */
  async deliver(now: number): Promise<void> {
    const tenantId = this.read()?.tenantId;
    if (!tenantId) return;
    const config = await this.loadConfig(tenantId, now).catch(() => null);
    if (!config) return; // retried by the next alarm
    await this.people.run({ slackWebhookUrl: config.slackWebhookUrl, slackLanguage: config.slackLanguage }, now);
    const due = this.outbox.due(now);
    if (due.length) await this.outbox.send(due, await alertWebhookSecret(this.env.SECRETS_KEY, tenantId, config.secretVersion));
  }
}
