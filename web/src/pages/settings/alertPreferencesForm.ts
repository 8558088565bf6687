// The alert preferences form's values, checks and body (PUT /api/notifications/preferences).
// Mirrors worker/core/alert-types.ts: which permission lets a member receive each alert type.
import type { AlertPreferences, AlertType } from "../../api/types";
import type { FormErrors } from "../../hooks/useSettingsForm";
import type { Permission } from "../../stores/permissions";

export const ALERT_PERMISSION: Record<AlertType, Permission> = {
  "budget.threshold_crossed": "billing:read",
  "balance.low": "billing:read",
  "provider.down": "providers:read",
  "provider.recovered": "providers:read",
};
export const ALERT_TYPES = Object.keys(ALERT_PERMISSION) as AlertType[];
export const PERSONAL_CHANNELS = ["push", "email"] as const;
export type PersonalChannel = (typeof PERSONAL_CHANNELS)[number];

export interface PreferenceValues {
  push: AlertType[];
  email: AlertType[];
  quiet: boolean;
  start: string;
  end: string;
  timeZone: string;
  language: AlertPreferences["language"];
}

export function preferencesFrom(p: AlertPreferences, browserZone: string): PreferenceValues {
  return {
    push: p.push,
    email: p.email,
    quiet: p.quiet_hours !== null,
    start: p.quiet_hours?.start ?? "22:00",
    end: p.quiet_hours?.end ?? "07:00",
    timeZone: p.quiet_hours?.time_zone ?? browserZone,
    language: p.language,
  };
}

/** Switches one type on one channel, keeping the types in their usual order. */
export function toggle(values: PreferenceValues, channel: PersonalChannel, type: AlertType, on: boolean): PreferenceValues {
  const chosen = new Set(values[channel]);
  if (on) chosen.add(type);
  else chosen.delete(type);
  return { ...values, [channel]: ALERT_TYPES.filter((t) => chosen.has(t)) };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export type PreferenceErrors = FormErrors<"start" | "end" | "timeZone">;

export function validatePreferences(values: PreferenceValues): PreferenceErrors {
  if (!values.quiet) return {};
  const errors: PreferenceErrors = {};
  if (!HHMM.test(values.start)) errors.start = "alerts.quietTime";
  if (!HHMM.test(values.end)) errors.end = "alerts.quietTime";
  else if (values.start === values.end) errors.end = "alerts.quietSame";
  if (!values.timeZone.trim()) errors.timeZone = "validation.required";
  return errors;
}

export function preferencesBody(values: PreferenceValues): AlertPreferences {
  return {
    push: values.push,
    email: values.email,
    quiet_hours: values.quiet ? { start: values.start, end: values.end, time_zone: values.timeZone.trim() } : null,
    language: values.language,
  };
}
