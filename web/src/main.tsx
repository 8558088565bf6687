import { render } from "preact";
import { refreshSession } from "./api/refresh";
import { App } from "./app";
import { loadMessages } from "./i18n";
import { registerServiceWorker } from "./pwa/register";
import { accessToken, hasSessionHint, restoringSession } from "./stores/auth";
import { startAuthSync } from "./stores/authSync";
import { watchConnectivity } from "./stores/network";
import { watchSession } from "./stores/session";
import { applySettings, language } from "./stores/settings";
import "./styles.css";

const root = document.getElementById("app");
if (!root) throw new Error("#app is missing from index.html");

applySettings();
startAuthSync();
watchSession();
watchConnectivity();

// A new tab of a signed-in browser: trade the refresh cookie for a token before routing.
if (!accessToken.value && hasSessionHint()) {
  restoringSession.value = true;
  void refreshSession().finally(() => {
    restoringSession.value = false;
  });
}

// Render once the chosen language is there (English is built in; others are one small chunk).
await loadMessages(language.value).catch(() => undefined);
render(<App />, root);

if (import.meta.env.PROD) {
  if (document.readyState === "complete") void registerServiceWorker();
  else addEventListener("load", () => void registerServiceWorker());
}
