// An API key created in the dashboard works at once; the playground streams a chat token by token.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("keys and the playground", () => {
  let secret = "";

  it("creates a key, shows its secret once, copies it, and the key answers on /v1", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.goto(`${origin}/keys`);
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("e2e key");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const shown = dialog.getByLabel("Secret of e2e key");
    await shown.waitFor();
    secret = await shown.inputValue();
    expect(secret).toMatch(/^sk-agg-/);

    await dialog.getByRole("button", { name: "Copy key" }).click();
    await dialog.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshots(page, "key-created");

    await dialog.getByRole("button", { name: "I've saved it" }).click();
    await page.getByRole("heading", { name: "e2e key" }).waitFor();
    expect(await page.getByText(secret).count()).toBe(0); // never shown again

    const models = await fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect(models.status).toBe(200);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("streams a chat in the Diagnostics playground, tokens appearing progressively", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/diagnostics`);
    const playground = page.getByRole("region", { name: "Playground", exact: true });
    await playground.getByLabel("API key").fill(secret);
    await playground.getByLabel("Model").fill("demo/echo");
    // demo/echo streams the prompt back a token at a time: a long prompt makes a long stream.
    const words = Array.from({ length: 6000 }, (_, i) => `word${i}`);
    await playground.getByLabel("Prompt").fill(words.join(" "));

    // Record what the transcript shows at every change while the answer is streaming.
    await page.evaluate(() => {
      const transcript = document.querySelector('[data-testid="transcript"]');
      const samples: { length: number; busy: boolean }[] = [];
      (window as unknown as { samples: typeof samples }).samples = samples;
      if (!transcript) throw new Error("no transcript");
      new MutationObserver(() => samples.push({ length: transcript.textContent?.length ?? 0, busy: transcript.getAttribute("aria-busy") === "true" })).observe(
        transcript,
        {
          childList: true,
          characterData: true,
          subtree: true,
          attributes: true,
        },
      );
    });
    await playground.getByRole("button", { name: "Send" }).click();
    const transcript = page.getByTestId("transcript");
    // Started (busy, or already text), then done: aria-busy is "false" before the click too.
    await expect
      .poll(async () => (await transcript.getAttribute("aria-busy")) === "true" || !!(await transcript.textContent()), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(() => transcript.getAttribute("aria-busy"), { timeout: 30_000 }).toBe("false");
    const finalText = (await transcript.textContent()) ?? "";
    // On failure, what the page said (an error alert) rather than only an empty transcript.
    expect(finalText, finalText ? undefined : ((await page.locator("main").textContent()) ?? "").slice(0, 500)).toBe(words.join(" "));

    const samples = await page.evaluate(() => (window as unknown as { samples: { length: number; busy: boolean }[] }).samples);
    const partial = new Set(samples.filter((s) => s.busy && s.length > 0 && s.length < finalText.length).map((s) => s.length));
    // The answer grew in several steps before it was complete.
    expect(partial.size).toBeGreaterThanOrEqual(3);
    await page.getByText("Time to first token").waitFor();
    await screenshots(page, "playground");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("tries the media endpoints in the Diagnostics media playground: an image, and speech transcribed back", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/diagnostics`);
    await page.getByRole("region", { name: "Playground", exact: true }).getByLabel("API key").fill(secret);
    const media = page.getByRole("region", { name: "Media playground" });
    await media.getByLabel("Prompt").fill("a lighthouse at dusk");
    await media.getByRole("button", { name: "Generate image" }).click();
    const image = media.getByRole("img", { name: "a lighthouse at dusk" });
    await image.waitFor({ timeout: 15_000 });
    // The browser decoded the PNG the demo drew.
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

    await media.getByLabel("Endpoint").selectOption({ label: "Speech" });
    await media.getByLabel("Text to speak").fill("hello from the edge");
    await media.getByRole("button", { name: "Speak" }).click();
    await media.locator("audio").waitFor({ timeout: 15_000 });
    await media.getByLabel("Endpoint").selectOption({ label: "Transcription" });
    await media.getByRole("button", { name: "Transcribe" }).click();
    await media.getByText("hello from the edge").last().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await context.close();
  });
});
