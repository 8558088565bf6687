import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso/router";
import { acceptInvitation } from "../api/auth";
import type { AcceptInvitationBody } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { t } from "../i18n";
import { AuthLayout } from "../layouts/AuthLayout";
import { field } from "../lib/form";
import { startSession } from "../stores/session";
import { MAX_PASSWORD, MIN_PASSWORD } from "./auth/validate";

/** /invite/:token — joins the tenant: creates the account, or signs in to the invited email's account. */
export default function AcceptInvite() {
  const { route } = useLocation();
  const { params } = useRoute();
  const token = params.token ?? "";
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [passwordError, setPasswordError] = useState<string | null>(null);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const form = new FormData(event.currentTarget);
    const password = field(form, "password");
    const name = field(form, "name").trim();
    if (password.length === 0 || password.length > MAX_PASSWORD) {
      setPasswordError(t("validation.required"));
      return;
    }
    setPasswordError(null);
    const body: AcceptInvitationBody = { token, password };
    if (name) body.name = name.slice(0, 100);
    setSubmitting(true);
    setError(null);
    try {
      await startSession(await acceptInvitation(body));
      route("/dashboard", true);
    } catch (err) {
      setError(err);
      setSubmitting(false);
    }
  }

  return (
    <AuthLayout>
      <h1>{t("invite.title")}</h1>
      <p class="muted">{t("invite.explain", { min: MIN_PASSWORD })}</p>
      <form class="stack" onSubmit={onSubmit} aria-busy={submitting} noValidate>
        <ErrorAlert error={error} />
        <Field label={t("auth.password")} error={passwordError}>
          {(a11y) => <input {...a11y} name="password" type="password" autocomplete="new-password" required />}
        </Field>
        <Field label={t("auth.nameOptional")} hint={t("invite.nameHint")}>
          {(a11y) => <input {...a11y} name="name" autocomplete="name" maxLength={100} />}
        </Field>
        <button class="button primary" type="submit" disabled={submitting || token === ""}>
          {t("invite.submit")}
        </button>
      </form>
      <p class="auth-links">
        <a href="/login">{t("register.signIn")}</a>
      </p>
    </AuthLayout>
  );
}
