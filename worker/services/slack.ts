// Alerts to a Slack incoming webhook: `text` (what notifications and Mattermost show) and
// Block Kit `blocks` (a header, the alert, a button to the dashboard). Discord takes the same
// body at its webhook URL with `/slack` appended.
import { type AlertNotice, alertMessage, type Locale } from "./alert-messages.ts";
import { type ChannelResult, type PostOptions, postJson } from "./channel-post.ts";

export function slackPayload(n: AlertNotice, locale: Locale, dashboardUrl: string): Record<string, unknown> {
  const m = alertMessage(n, locale, dashboardUrl);
  const open = locale === "ru" ? "Открыть панель" : "Open dashboard";
  return {
    text: `${m.title}: ${m.body} <${m.url}|${open}>`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: m.title.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: m.body } },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: open }, url: m.url }] },
    ],
  };
}

export function sendSlack(url: string, payload: Record<string, unknown>, options: PostOptions = {}): Promise<ChannelResult> {
  return postJson(url, payload, {}, options);
}
