import { signal } from "@preact/signals";
import { onSessionChange } from "../../stores/auth";

/** The API key the playground calls with: in memory only, gone on reload and on sign-out. */
export const playgroundKey = signal("");

onSessionChange((change) => {
  if (change === "signout") playgroundKey.value = "";
});
