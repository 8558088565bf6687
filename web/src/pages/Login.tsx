import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { login } from "../api/auth";
import { ErrorAlert } from "../components/ErrorAlert";
import { t } from "../i18n";
import { AuthLayout } from "../layouts/AuthLayout";
import { field } from "../lib/form";
import { nextPath } from "../lib/next";
import { startSession } from "../stores/session";

export default function Login() {
  const { route, query } = useLocation();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const form = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    try {
      await startSession(await login({ email: field(form, "email").trim(), password: field(form, "password") }));
      route(nextPath(query), true);
    } catch (err) {
      setError(err);
      setSubmitting(false);
    }
  }

  return (
    <AuthLayout>
      <h1>{t("login.title")}</h1>
      <form class="stack" onSubmit={onSubmit} aria-busy={submitting}>
        <ErrorAlert error={error} />
        <div class="field">
          <label for="login-email">{t("auth.email")}</label>
          <input id="login-email" name="email" type="email" autocomplete="username" required />
        </div>
        <div class="field">
          <label for="login-password">{t("auth.password")}</label>
          <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button class="button primary" type="submit" disabled={submitting}>
          {t("login.submit")}
        </button>
      </form>
      <p class="auth-links">
        {t("login.noAccount")} <a href="/register">{t("login.register")}</a>
      </p>
    </AuthLayout>
  );
}
