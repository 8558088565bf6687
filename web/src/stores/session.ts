// Session actions that touch more than one store: starting, switching and ending a session.
import { fetchMe, logout, switchTenant } from "../api/auth";
import type { TokenResponse } from "../api/types";
import { clearApiCache } from "../pwa/register";
import { stopAlertsHere } from "./alertDevice";
import { onSessionChange, setMe, signIn, signOut } from "./auth";
import { resetProviders } from "./providers";

/** After login, register or accepting an invitation. */
export async function startSession(answer: TokenResponse): Promise<void> {
  await clearApiCache();
  resetProviders();
  signIn(answer);
}

export async function loadMe(signal?: AbortSignal): Promise<void> {
  setMe(await fetchMe(signal));
}

export async function changeTenant(tenantId: string): Promise<void> {
  const answer = await switchTenant(tenantId);
  await clearApiCache();
  resetProviders();
  signIn(answer);
  await loadMe();
}

/** Signs out here and on the server (this browser's alerts stop); the local session ends even if the server can't be reached. */
export async function endSession(): Promise<void> {
  await stopAlertsHere();
  await logout().catch(() => undefined);
  signOut();
}

/** Whatever ends the session (a failed refresh, another tab) also drops the cached data. */
export function watchSession(): () => void {
  return onSessionChange((change) => {
    if (change !== "signout") return;
    resetProviders();
    void clearApiCache();
  });
}
