import { request } from './client';
import { parseLoginResponse, parseMeResponse } from './parse';
import type { LoginResponse, MeResponse } from './types';

export interface Credentials {
  email: string;
  password: string;
}

export const login = (credentials: Credentials): Promise<LoginResponse> =>
  request('/api/auth/login', { method: 'POST', body: credentials, parse: parseLoginResponse });

export const fetchMe = (signal?: AbortSignal): Promise<MeResponse> =>
  request('/api/auth/me', { parse: parseMeResponse, signal });

export const logout = (): Promise<undefined> =>
  request('/api/auth/logout', { method: 'POST', parse: () => undefined });
