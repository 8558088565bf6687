import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { App } from './app';
import { accessToken, signIn } from './stores/auth';
import { apiErrorResponse, fetchCall, jsonResponse, ME_OK, stubFetch, USER } from './test/fetch';

function renderAt(path: string) {
  history.replaceState(null, '', path);
  render(<App />);
}

describe('routing and the dashboard', () => {
  it('sends a signed-out visitor from / to /login', async () => {
    renderAt('/');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(location.pathname).toBe('/login');
  });

  it('guards /dashboard', async () => {
    renderAt('/dashboard');
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(location.pathname).toBe('/login');
  });

  it('sends a signed-in user from / to the dashboard, which shows the account', async () => {
    signIn('tok_abc', USER);
    const fetchMock = stubFetch(async () => jsonResponse(200, ME_OK));
    renderAt('/');

    expect(await screen.findByText('owner@example.com')).toBeTruthy();
    expect(screen.getByText('Acme Labs')).toBeTruthy();
    expect(location.pathname).toBe('/dashboard');
    const { url, headers } = fetchCall(fetchMock);
    expect(url).toBe('/api/auth/me');
    expect(headers.get('Authorization')).toBe('Bearer tok_abc');
    expect(screen.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');
  });

  it('signs out when /api/auth/me answers 401', async () => {
    signIn('tok_expired', USER);
    stubFetch(async () => apiErrorResponse(401, 'invalid_token', 'Token expired.'));
    renderAt('/dashboard');

    await screen.findByRole('heading', { name: 'Sign in' });
    expect(location.pathname).toBe('/login');
    expect(accessToken.value).toBeNull();
  });

  it('signs out with the button even if the logout call fails', async () => {
    signIn('tok_abc', USER);
    const fetchMock = stubFetch(async (input) =>
      String(input) === '/api/auth/me' ? jsonResponse(200, ME_OK) : apiErrorResponse(500, 'internal', 'Boom'),
    );
    renderAt('/dashboard');

    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));

    await screen.findByRole('heading', { name: 'Sign in' });
    expect(accessToken.value).toBeNull();
    expect(location.pathname).toBe('/login');
    await waitFor(() => expect(fetchCall(fetchMock, 1).url).toBe('/api/auth/logout'));
    expect(fetchCall(fetchMock, 1).init.method).toBe('POST');
  });

  it('shows a not-found page for unknown paths', async () => {
    renderAt('/nope');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });
});
