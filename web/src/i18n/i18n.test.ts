import { describe, expect, it, vi } from "vitest";
import { language, LANGUAGE_KEY } from "../stores/settings";
import { en } from "./en";
import { formatMoneyBrief } from "./format";
import { changeLanguage, loadMessages, t } from "./index";
import { ru } from "./ru";

describe("i18n", () => {
  it("translates a key in English by default and fills parameters", () => {
    expect(t("login.title")).toBe("Sign in");
    expect(t("providers.deleteTitle", { name: "openai" })).toBe("Delete openai?");
  });

  it("leaves unknown parameters visible rather than dropping them", () => {
    expect(t("providers.deleteTitle")).toBe("Delete {name}?");
  });

  it("switches to Russian once loaded, and persists the choice", async () => {
    await changeLanguage("ru");
    expect(language.value).toBe("ru");
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe("ru");
    expect(t("login.title")).toBe("Вход");
    expect(t("routes.editTitle", { alias: "fast" })).toBe("Изменить fast");
  });

  it("falls back to English while a language is still loading", async () => {
    vi.resetModules();
    const settings = await import("../stores/settings");
    const fresh = await import("./index");
    settings.language.value = "ru";
    expect(fresh.t("nav.dashboard")).toBe("Dashboard");
    await fresh.loadMessages("ru");
    expect(fresh.t("nav.dashboard")).toBe("Обзор");
  });

  it("Russian translates every key, with the same placeholders", async () => {
    await loadMessages("ru");
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ru[key], key).toBeTruthy();
      const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
    }
  });
});

describe("money for tiles", () => {
  it("keeps tiles short: cents from a dollar, 4 decimals below, 6 for the tiniest", () => {
    expect(formatMoneyBrief(0)).toBe("$0.00");
    expect(formatMoneyBrief(99_998_193)).toBe("$100.00");
    expect(formatMoneyBrief(1_807)).toBe("$0.0018");
    expect(formatMoneyBrief(6)).toBe("$0.000006");
    expect(formatMoneyBrief(-2_500_000, "eur")).toBe("-€2.50");
  });
});
