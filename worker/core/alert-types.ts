// The kinds of alert the tenant's gate raises, who may see each (by permission), and where a
// person may receive them. Shared by the gate, the API and the schema.
import type { Permission } from "./rbac.ts";

export const NOTIFICATION_TYPES = ["budget.threshold_crossed", "balance.low", "provider.down", "provider.recovered"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A member receives an alert only with the permission to see what it is about. */
export const ALERT_PERMISSION: Record<NotificationType, Permission> = {
  "budget.threshold_crossed": "billing:read",
  "balance.low": "billing:read",
  "provider.down": "providers:read",
  "provider.recovered": "providers:read",
};

/** Where a person receives alerts; Slack (and webhooks) are the tenant's, not a person's. */
export const PERSONAL_CHANNELS = ["push", "email"] as const;
export type PersonalChannel = (typeof PERSONAL_CHANNELS)[number];

/** The languages alerts and invitations are written in (the dashboard's languages). */
export const ALERT_LANGUAGES = ["en", "ru"] as const;
export type AlertLanguage = (typeof ALERT_LANGUAGES)[number];

/** A person's choice: the alert types per channel, optional quiet hours (local times, HH:MM) and their language. */
export interface AlertPreferences {
  push: NotificationType[];
  email: NotificationType[];
  quietHours: { start: string; end: string; timeZone: string } | null;
  /** Absent in preferences saved before languages were chosen: English. */
  language?: AlertLanguage;
}

/** Without a choice of their own: every alert they may see on their devices, none by e-mail, in English. */
export const DEFAULT_PREFERENCES: AlertPreferences = { push: [...NOTIFICATION_TYPES], email: [], quietHours: null, language: "en" };
