// Webhook deliveries of alerts, from the gate's alarm: one outbox row per notification for a
// tenant with a webhook URL, POSTed signed; a failure waits backoffMs(attempts) and is given up
// after MAX_ATTEMPTS. Outcomes are kept a week.
import { SIGNATURE_HEADER, signAlert } from "../../worker/services/alerts.ts";

export const RETRY_BASE_MS = 30_000;
export const MAX_BACKOFF_MS = 6 * 3600_000;
export const MAX_ATTEMPTS = 10;
const KEEP_OUTBOX_MS = 7 * 24 * 3600_000;
const DELIVERY_TIMEOUT_MS = 10_000;
const DUE_PER_ALARM = 20;

/** Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

type Delivery = { id: string; url: string; body: string; attempts: number };

export class AlertOutbox {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  enqueue(id: string, url: string, body: string, now: number): void {
    this.sql.exec("INSERT INTO alert_outbox (id, url, body, next_at) VALUES (?, ?, ?, ?)", id, url, body, now);
  }

  nextAttemptAt(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM alert_outbox WHERE delivered_at IS NULL AND failed_at IS NULL").one().at;
  }

  /** The deliveries due now (oldest first); outcomes older than a week are dropped. */
  due(now: number): Delivery[] {
    const due = this.sql
      .exec<Delivery>(
        `SELECT id, url, body, attempts FROM alert_outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ${DUE_PER_ALARM}`,
        now,
      )
      .toArray();
    this.sql.exec("DELETE FROM alert_outbox WHERE coalesce(delivered_at, failed_at) < ?", now - KEEP_OUTBOX_MS);
    return due;
  }

  /** Attempts each delivery once and records the outcome. */
  async send(deliveries: Delivery[], secret: string): Promise<void> {
    await Promise.all(
      deliveries.map(async (row) => {
        let error: string | null = null;
        try {
          const body = row.body;
          const res = await fetch(row.url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "user-agent": "AI-Aggregator-Alerts/1",
              "x-aggregator-delivery": row.id,
              [SIGNATURE_HEADER]: await signAlert(secret, body, Math.floor(Date.now() / 1000)),
            },
            body,
            // Not followed: the receiver was checked when it was configured, a redirect's target never is.
            redirect: "manual",
            signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
          });
          await res.body?.cancel();
          if (!res.ok) error = res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}`;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        const at = Date.now();
        const attempts = row.attempts + 1;
        if (error === null) this.sql.exec("UPDATE alert_outbox SET attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?", attempts, at, row.id);
        else if (attempts >= MAX_ATTEMPTS)
          this.sql.exec("UPDATE alert_outbox SET attempts = ?, failed_at = ?, last_error = ? WHERE id = ?", attempts, at, error.slice(0, 500), row.id);
        else
          this.sql.exec(
            "UPDATE alert_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
            attempts,
            at + backoffMs(attempts),
            error.slice(0, 500),
            row.id,
          );
      }),
    );
  }
}
