import { call, request } from "./client";
import type { AcceptInvitationBody, MeResponse, RegisterBody, RegisterResponse, TokenResponse } from "./types";

export interface Credentials {
  email: string;
  password: string;
}

// The sign-in calls go through `request` with auth: false — a 401 here is a wrong password,
// not an expired token.
const signInCall = async (path: string, body: unknown): Promise<TokenResponse> => (await request(path, { method: "POST", body, auth: false })) as TokenResponse;

export const login = (credentials: Credentials) => signInCall("/api/auth/login", credentials);
/** Answers the same whether or not the email was free, and signs nobody in: log in next. */
export const register = async (body: RegisterBody): Promise<RegisterResponse> =>
  (await request("/api/auth/register", { method: "POST", body, auth: false })) as RegisterResponse;
export const acceptInvitation = (body: AcceptInvitationBody) => signInCall("/api/auth/accept-invitation", body);

export const fetchMe = (signal?: AbortSignal): Promise<MeResponse> => call("get", "/api/auth/me", signal ? { signal } : {});

export const switchTenant = (tenantId: string): Promise<TokenResponse> => call("post", "/api/auth/switch", { body: { tenant_id: tenantId } });

export async function logout(): Promise<void> {
  await request("/api/auth/logout", { method: "POST", auth: false });
}
