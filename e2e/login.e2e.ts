// The PWA in Chromium: the login page loads from Workers static assets and signs in.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { repoRoot } from "./server.ts";

const origin = inject("origin");
const credentials = inject("credentials");
const artifacts = path.join(repoRoot, "test-results", "e2e");

let browser: Browser;
beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("login page", () => {
  for (const [device, viewport] of [
    ["phone", { width: 360, height: 740 }],
    ["desktop", { width: 1280, height: 800 }],
  ] as const) {
    it(`loads at / and signs in (${device})`, async () => {
      const page = await browser.newPage({ viewport });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));

      await page.goto(origin);
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.screenshot({ path: path.join(artifacts, `login-${device}.png`), fullPage: true });

      await page.getByLabel("Email").fill(credentials.adminEmail);
      await page.getByLabel("Password").fill(credentials.adminPassword);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(`Signed in as ${credentials.adminEmail}`).waitFor();
      expect(new URL(page.url()).pathname).toBe("/dashboard");
      await page.screenshot({ path: path.join(artifacts, `dashboard-${device}.png`), fullPage: true });

      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("shows the API's message on a wrong password", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/login`);
    await page.getByLabel("Email").fill(credentials.adminEmail);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Incorrect email or password.");
    await page.close();
  });
});
