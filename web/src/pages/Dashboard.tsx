import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { fetchMe, logout } from '../api/auth';
import { isApiError } from '../api/error';
import type { MeResponse } from '../api/types';
import { MainLayout } from '../layouts/MainLayout';
import { setUser, signOut } from '../stores/auth';

type State =
  | { status: 'loading' }
  | { status: 'ready'; me: MeResponse }
  | { status: 'error'; message: string };

export default function Dashboard() {
  const { route } = useLocation();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (me) => {
        setUser(me.user);
        setState({ status: 'ready', me });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        if (isApiError(err) && err.status === 401) {
          signOut();
          route('/login', true);
          return;
        }
        setState({ status: 'error', message: isApiError(err) ? err.message : 'Could not load your account.' });
      },
    );
    return () => controller.abort();
  }, []);

  async function onSignOut() {
    setLeaving(true);
    await logout().catch(() => undefined); // the local session ends either way
    signOut();
    route('/login', true);
  }

  return (
    <MainLayout>
      <header class="page-header">
        <h1>Dashboard</h1>
        <button class="button" type="button" onClick={onSignOut} disabled={leaving}>
          Sign out
        </button>
      </header>
      <section class="card" aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' && <p class="muted">Loading your account…</p>}
        {state.status === 'error' && (
          <p class="alert" role="alert">
            {state.message}
          </p>
        )}
        {state.status === 'ready' && (
          <>
            <p>
              Signed in as <strong>{state.me.user.email}</strong>
            </p>
            <p>
              Tenant <strong>{state.me.tenant.name}</strong>
            </p>
          </>
        )}
      </section>
    </MainLayout>
  );
}
