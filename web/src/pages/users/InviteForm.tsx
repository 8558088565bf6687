import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { CreatedInvitation, Role } from "../../api/types";
import { CopyButton } from "../../components/CopyButton";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { type MessageKey, t } from "../../i18n";
import { language } from "../../stores/settings";
import { EMAIL, field } from "../../lib/form";
import { grantableRoles, isRole } from "./roles";

const invite = (email: string, role: Role, sendEmail: boolean) =>
  call("post", "/api/users/invitations", { body: { email, role, send_email: sendEmail, language: language.value } });

/** What became of the e-mail with the link; nothing to say when the server sends no e-mail. */
const EMAIL_NOTE: Partial<Record<CreatedInvitation["email_delivery"], MessageKey>> = {
  sent: "users.inviteMailed",
  failed: "users.inviteMailFailed",
  limited: "users.inviteMailLimited",
};

/** Invite by email (the server e-mails the link when it can); the single-use link is also shown here once, with a copy button. */
export function InviteForm({ onInvited }: { onInvited: (invitation: CreatedInvitation) => void }) {
  const action = useAction(invite);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [role, setRole] = useState<Role>("developer");
  const [sendEmail, setSendEmail] = useState(true);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = field(form, "email").trim().toLowerCase();
    if (!EMAIL.test(email)) {
      setEmailError(t("validation.email"));
      return;
    }
    setEmailError(null);
    const answer = await action.run(email, role, sendEmail);
    if (answer) {
      setCreated(answer);
      onInvited(answer);
      formElement.reset();
    }
  }

  return (
    <section class="card stack" aria-labelledby="invite-heading">
      <h2 id="invite-heading">{t("users.invite")}</h2>
      <form class="stack" onSubmit={onSubmit} noValidate>
        <div class="field-grid">
          <Field label={t("auth.email")} error={emailError}>
            {(a11y) => <input {...a11y} name="email" type="email" autocomplete="off" required />}
          </Field>
          <Field label={t("users.role")}>
            {(a11y) => (
              <select {...a11y} name="role" value={role} onChange={(e) => isRole(e.currentTarget.value) && setRole(e.currentTarget.value)}>
                {grantableRoles().map((r) => (
                  <option key={r} value={r}>
                    {t(`roles.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={sendEmail} onChange={(e) => setSendEmail(e.currentTarget.checked)} />
          {t("users.inviteByEmail")}
        </label>
        <ErrorAlert error={action.error} />
        <div>
          <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
            {t("users.sendInvite")}
          </button>
        </div>
      </form>
      {created && (
        <div class="success stack-sm" role="status">
          <p>{t("users.inviteCreated", { email: created.email })}</p>
          {EMAIL_NOTE[created.email_delivery] && <p>{t(EMAIL_NOTE[created.email_delivery]!, { email: created.email })}</p>}
          <label for="invite-link">{t("users.inviteLink")}</label>
          <input id="invite-link" class="mono" value={created.link} readOnly />
          <CopyButton text={created.link} />
          <p class="small">{t("users.inviteOnce")}</p>
        </div>
      )}
    </section>
  );
}
