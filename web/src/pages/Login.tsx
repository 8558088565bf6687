import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { login } from '../api/auth';
import { isApiError } from '../api/error';
import { AuthLayout } from '../layouts/AuthLayout';
import { signIn } from '../stores/auth';

const field = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

export default function Login() {
  const { route } = useLocation();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const form = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    try {
      const session = await login({ email: field(form, 'email').trim(), password: field(form, 'password') });
      signIn(session.access_token, session.user);
      route('/dashboard', true);
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Something went wrong. Please try again.');
      setSubmitting(false);
    }
  }

  return (
    <AuthLayout>
      <h1>Sign in</h1>
      <form class="stack" onSubmit={onSubmit} aria-busy={submitting}>
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
        <div class="field">
          <label for="login-email">Email</label>
          <input id="login-email" name="email" type="email" autocomplete="username" required />
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button class="button primary" type="submit" disabled={submitting}>
          Sign in
        </button>
      </form>
    </AuthLayout>
  );
}
