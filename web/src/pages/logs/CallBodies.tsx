import { CopyButton } from "../../components/CopyButton";
import type { RequestDetail } from "../../api/types";
import { t } from "../../i18n";

/** A body as people read it: JSON indented, text as it is. */
export const pretty = (body: unknown): string => (typeof body === "string" ? body : JSON.stringify(body, null, 2));

function Body({ title, body, open }: { title: string; body: unknown; open: boolean }) {
  const text = pretty(body);
  return (
    <details open={open}>
      <summary>{title}</summary>
      <div class="stack-sm">
        <pre class="code-block small">{text}</pre>
        <CopyButton text={text} />
      </div>
    </details>
  );
}

/** The captured request and answer (redacted before they were stored), or why there are none. */
export function CallBodies({ call }: { call: RequestDetail }) {
  if (call.bodies) {
    return (
      <div class="stack-sm">
        <Body title={t("logs.request")} body={call.bodies.request} open />
        <Body title={t("logs.response")} body={call.bodies.response} open={false} />
        <p class="small muted">
          {t("logs.redactions", { n: call.bodies.redactions })}
          {call.bodies.truncated ? ` ${t("logs.truncated")}` : ""}
        </p>
      </div>
    );
  }
  if (call.bodies_hidden) return <p class="notice">{t("logs.bodiesHidden")}</p>;
  if (call.bodies_expired) return <p class="notice">{t("logs.bodiesExpired")}</p>;
  return <p class="small muted">{t("logs.noBodies")}</p>;
}
