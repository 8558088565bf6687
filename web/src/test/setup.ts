import { cleanup } from "@testing-library/preact";
import { afterEach } from "vitest";
import { restoringSession, signOut } from "../stores/auth";
import { showingCachedData } from "../stores/network";
import { resetProviders } from "../stores/providers";
import { language, theme } from "../stores/settings";

afterEach(() => {
  cleanup();
  signOut(false);
  restoringSession.value = false;
  resetProviders();
  showingCachedData.value = false;
  theme.value = "system";
  language.value = "en";
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, "", "/");
});
