import { call, request } from './client';
import type { AcceptInvitationBody, MeResponse, RegisterBody, TokenResponse } from './types';

export interface Credentials {
  email: string;
  password: string;
}

// The sign-in calls go through `request` with auth: false — a 401 here is a wrong password,
// not an expired token.
const signInCall = async (path: string, body: unknown): Promise<TokenResponse> =>
  (await request(path, { method: 'POST', body, auth: false })) as TokenResponse;

export const login = (credentials: Credentials) => signInCall('/api/auth/login', credentials);
export const register = (body: RegisterBody) => signInCall('/api/auth/register', body);
export const acceptInvitation = (body: AcceptInvitationBody) => signInCall('/api/auth/accept-invitation', body);

export const fetchMe = (signal?: AbortSignal): Promise<MeResponse> => call('get', '/api/auth/me', signal ? { signal } : {});

export const switchTenant = (tenantId: string): Promise<TokenResponse> =>
  call('post', '/api/auth/switch', { body: { tenant_id: tenantId } });

export async function logout(): Promise<void> {
  await request('/api/auth/logout', { method: 'POST', auth: false });
}
