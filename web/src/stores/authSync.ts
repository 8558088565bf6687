// Keeps the tabs of one browser in step: a token refreshed in one tab is shared with the
// others (so they don't spend the rotating refresh cookie again), and signing out signs out all.
import type { User } from "../api/types";
import { accessToken, adoptSession, currentUser, onSessionChange, signOut, tokenExpiresAt } from "./auth";

type Message = { type: "session"; token: string; expiresAt: number; user: User } | { type: "signout" };

export function startAuthSync(): () => void {
  if (typeof BroadcastChannel === "undefined") return () => undefined;
  const channel = new BroadcastChannel("aggregator-auth");
  channel.onmessage = (event: MessageEvent<Message>) => {
    const message = event.data;
    if (message.type === "signout") signOut(false);
    else if (message.expiresAt > (tokenExpiresAt.value ?? 0)) adoptSession(message.token, message.expiresAt, message.user);
  };
  const stop = onSessionChange((change) => {
    const token = accessToken.value;
    const user = currentUser.value;
    const expiresAt = tokenExpiresAt.value;
    if (change === "signout") channel.postMessage({ type: "signout" } satisfies Message);
    else if (token && user && expiresAt) channel.postMessage({ type: "session", token, expiresAt, user } satisfies Message);
  });
  return () => {
    stop();
    channel.close();
  };
}
