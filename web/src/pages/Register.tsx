import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { login, register } from "../api/auth";
import type { RegisterBody } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { t } from "../i18n";
import { AuthLayout } from "../layouts/AuthLayout";
import { field } from "../lib/form";
import { startSession } from "../stores/session";
import { type Errors, hasErrors, MIN_PASSWORD, validateRegistration } from "./auth/validate";

type Name = "email" | "password" | "name" | "tenantName";

export default function Register() {
  const { route } = useLocation();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [errors, setErrors] = useState<Errors<Name>>({});
  const [signInFailed, setSignInFailed] = useState(false);

  function fail(err: unknown, afterRegistering: boolean) {
    setError(err);
    setSignInFailed(afterRegistering);
    setSubmitting(false);
  }

  /** The answer never says whether the email was free: signing in with the same details tells. */
  async function registerAndSignIn(body: RegisterBody) {
    try {
      await register(body);
    } catch (err) {
      return fail(err, false);
    }
    try {
      await startSession(await login({ email: body.email, password: body.password }));
      route("/dashboard", true);
    } catch (err) {
      fail(err, true);
    }
  }

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const form = new FormData(event.currentTarget);
    const input = {
      email: field(form, "email").trim().toLowerCase(),
      password: field(form, "password"),
      name: field(form, "name").trim(),
      tenantName: field(form, "tenant_name").trim(),
    };
    const found = validateRegistration(input);
    setErrors(found);
    if (hasErrors(found)) return;
    const body: RegisterBody = { email: input.email, password: input.password };
    if (input.name) body.name = input.name;
    if (input.tenantName) body.tenant_name = input.tenantName;
    setSubmitting(true);
    setError(null);
    setSignInFailed(false);
    await registerAndSignIn(body);
  }

  const message = (name: Name) => {
    const key = errors[name];
    return key ? t(key, { min: MIN_PASSWORD }) : null;
  };

  return (
    <AuthLayout>
      <h1>{t("register.title")}</h1>
      <form class="stack" onSubmit={onSubmit} aria-busy={submitting} noValidate>
        <ErrorAlert error={error} />
        {signInFailed && (
          <p class="hint">
            {t("register.signInFailed")} <a href="/login">{t("register.signIn")}</a>
          </p>
        )}
        <Field label={t("auth.email")} error={message("email")}>
          {(a11y) => <input {...a11y} name="email" type="email" autocomplete="email" required />}
        </Field>
        <Field label={t("auth.password")} hint={t("auth.passwordHint", { min: MIN_PASSWORD })} error={message("password")}>
          {(a11y) => <input {...a11y} name="password" type="password" autocomplete="new-password" required minLength={MIN_PASSWORD} />}
        </Field>
        <Field label={t("auth.nameOptional")} error={message("name")}>
          {(a11y) => <input {...a11y} name="name" autocomplete="name" maxLength={100} />}
        </Field>
        <Field label={t("register.tenantName")} hint={t("register.tenantHint")} error={message("tenantName")}>
          {(a11y) => <input {...a11y} name="tenant_name" autocomplete="organization" maxLength={100} />}
        </Field>
        <button class="button primary" type="submit" disabled={submitting}>
          {t("register.submit")}
        </button>
      </form>
      <p class="auth-links">
        {t("register.haveAccount")} <a href="/login">{t("register.signIn")}</a>
      </p>
    </AuthLayout>
  );
}
