import { signal } from "@preact/signals";
import { type Language, language, setLanguage } from "../stores/settings";
import { en, type MessageKey, type Messages } from "./en";

export type { MessageKey } from "./en";
export type Params = Readonly<Record<string, string | number>>;

// English ships with the app; other languages are separate chunks loaded when chosen.
const loaders: Record<Exclude<Language, "en">, () => Promise<Messages>> = {
  ru: () => import("./ru").then((m) => m.ru),
};

const dictionaries = signal<Partial<Record<Language, Messages>>>({ en });

export async function loadMessages(lang: Language): Promise<void> {
  if (lang === "en" || dictionaries.value[lang]) return;
  const messages = await loaders[lang]();
  dictionaries.value = { ...dictionaries.value, [lang]: messages };
}

/** Loads the language's messages, then switches to it (and persists the choice). */
export async function changeLanguage(lang: Language): Promise<void> {
  await loadMessages(lang);
  setLanguage(lang);
}

const interpolate = (text: string, params?: Params): string =>
  params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole)) : text;

/** The message in the current language (English while another is loading), with `{name}` filled in. */
export function t(key: MessageKey, params?: Params): string {
  const messages = dictionaries.value[language.value] ?? en;
  return interpolate(messages[key] ?? en[key], params);
}

/** BCP 47 tag for Intl formatting. */
export const locale = (): string => (language.value === "ru" ? "ru-RU" : "en-US");
