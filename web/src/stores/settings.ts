import { effect, signal } from "@preact/signals";
import { readItem, writeItem } from "./storage";

export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
export const LANGUAGES = ["en", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];
/** Each language in itself, for pickers. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", ru: "Русский" };

export const THEME_KEY = "aggregator.theme";
export const LANGUAGE_KEY = "aggregator.language";

const isTheme = (value: unknown): value is Theme => THEMES.some((t) => t === value);
const isLanguage = (value: unknown): value is Language => LANGUAGES.some((l) => l === value);

/** The saved choice, else the browser's first supported language, else English. */
function initialLanguage(): Language {
  const saved = readItem("local", LANGUAGE_KEY);
  if (isLanguage(saved)) return saved;
  const preferred = typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language]);
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

const savedTheme = readItem("local", THEME_KEY);
export const theme = signal<Theme>(isTheme(savedTheme) ? savedTheme : "system");
export const language = signal<Language>(initialLanguage());

export function setTheme(value: Theme): void {
  theme.value = value;
  writeItem("local", THEME_KEY, value);
}

export function setLanguage(value: Language): void {
  language.value = value;
  writeItem("local", LANGUAGE_KEY, value);
}

/** Mirrors the settings onto <html>: `data-theme` (absent for system) drives the CSS, `lang` the screen readers. */
export function applySettings(root: HTMLElement = document.documentElement): () => void {
  return effect(() => {
    if (theme.value === "system") delete root.dataset.theme;
    else root.dataset.theme = theme.value;
    root.lang = language.value;
  });
}
