import { call } from "../../api/client";
import type { NotificationSettings } from "../../api/types";
import { CopyButton } from "../../components/CopyButton";
import { FormEnd } from "../../components/FormEnd";
import { LoadedCard } from "../../components/LoadedCard";
import { Field } from "../../components/Field";
import { LanguageSelect } from "../../components/LanguageSelect";
import { type FormErrors, useSettingsForm } from "../../hooks/useSettingsForm";
import { type MessageKey, t } from "../../i18n";
import type { Language } from "../../stores/settings";

const load = (signal: AbortSignal) => call("get", "/api/notifications/settings", { signal });

interface ChannelValues {
  webhook: string;
  slack: string;
  slackLanguage: Language;
}

const save = (values: ChannelValues) =>
  call("put", "/api/notifications/settings", {
    body: { webhook_url: values.webhook.trim() || null, slack_webhook_url: values.slack.trim() || null, slack_language: values.slackLanguage },
  });

/** An empty field (no channel) or an absolute http(s) URL; the server applies the address rules. */
export function urlProblem(value: string): MessageKey | null {
  const trimmed = value.trim();
  if (!trimmed) return null;
  try {
    const url = new URL(trimmed);
    return url.protocol === "https:" || url.protocol === "http:" ? null : "channels.urlInvalid";
  } catch {
    return "channels.urlInvalid";
  }
}

/** Where the tenant's alerts go besides its members: a signed webhook and a Slack-compatible incoming webhook. */
export function AlertChannelsCard() {
  return (
    <LoadedCard title={t("channels.title")} headingId="alert-channels-heading" load={load}>
      {(loaded, replace) => <ChannelsForm loaded={loaded} onSaved={replace} />}
    </LoadedCard>
  );
}

function channelProblems(values: ChannelValues): FormErrors<keyof ChannelValues> {
  const found: FormErrors<keyof ChannelValues> = {};
  for (const key of ["webhook", "slack"] as const) {
    const problem = urlProblem(values[key]);
    if (problem) found[key] = problem;
  }
  return found;
}

function ChannelsForm({ loaded, onSaved }: { loaded: NotificationSettings; onSaved: (next: NotificationSettings) => void }) {
  const form = useSettingsForm({
    initial: (): ChannelValues => ({ webhook: loaded.webhook_url ?? "", slack: loaded.slack_webhook_url ?? "", slackLanguage: loaded.slack_language }),
    validate: channelProblems,
    save,
    onSaved,
  });
  const url = (key: "webhook" | "slack", label: string, hint: string) => (
    <Field label={label} hint={hint} error={form.error(key)}>
      {(a11y) => (
        <input
          {...a11y}
          type="url"
          inputMode="url"
          spellcheck={false}
          autocomplete="off"
          placeholder="https://"
          value={form.values[key]}
          onInput={(e) => form.set(key, e.currentTarget.value)}
        />
      )}
    </Field>
  );

  return (
    <form class="stack" onSubmit={form.onSubmit} noValidate>
      {url("slack", t("channels.slack"), t("channels.slackHint"))}
      <LanguageSelect label={t("channels.slackLanguage")} value={form.values.slackLanguage} onChange={(next) => form.set("slackLanguage", next)} />
      {url("webhook", t("channels.webhook"), t("channels.webhookHint"))}
      <div class="field">
        <label for="webhook-secret">{t("channels.secret")}</label>
        <div class="row">
          <input id="webhook-secret" class="mono" value={loaded.webhook_secret} readOnly />
          <CopyButton text={loaded.webhook_secret} />
        </div>
      </div>
      <FormEnd action={form.action} saved={form.saved} submit={t("channels.save")} />
    </form>
  );
}
