import { describe, expect, it, vi } from "vitest";
import { applySettings, LANGUAGE_KEY, setLanguage, setTheme, THEME_KEY } from "./settings";

describe("settings store", () => {
  it("persists the theme and mirrors it onto <html data-theme>", () => {
    const stop = applySettings();
    setTheme("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    setTheme("system");
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
    stop();
  });

  it("persists the language and sets <html lang>", () => {
    const stop = applySettings();
    setLanguage("ru");
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe("ru");
    expect(document.documentElement.lang).toBe("ru");
    stop();
  });

  it("reads the saved choices back on load", async () => {
    localStorage.setItem(THEME_KEY, "light");
    localStorage.setItem(LANGUAGE_KEY, "ru");
    vi.resetModules();
    const fresh = await import("./settings");
    expect(fresh.theme.value).toBe("light");
    expect(fresh.language.value).toBe("ru");
  });

  it("ignores junk in storage and falls back to the browser language", async () => {
    localStorage.setItem(THEME_KEY, "neon");
    vi.stubGlobal("navigator", { ...navigator, languages: ["ru-RU", "en"], language: "ru-RU" });
    vi.resetModules();
    const fresh = await import("./settings");
    expect(fresh.theme.value).toBe("system");
    expect(fresh.language.value).toBe("ru");
  });

  it("defaults to English for unsupported browser languages", async () => {
    vi.stubGlobal("navigator", { ...navigator, languages: ["de-DE"], language: "de-DE" });
    vi.resetModules();
    expect((await import("./settings")).language.value).toBe("en");
  });
});
