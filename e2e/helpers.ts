// Shared steps for the browser tests: sign in, collect console problems, screenshots at phone
// and desktop sizes, and calls to the running app's API and gateway.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { repoRoot } from "./server.ts";

export const artifacts = path.join(repoRoot, "test-results", "e2e");
mkdirSync(artifacts, { recursive: true });

export const PHONE = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** Console errors and uncaught exceptions of a page, for a final `expect(problems).toEqual([])`. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  return problems;
}

export async function signIn(page: Page, origin: string, email: string, password: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
}

/** A signed-in page in a fresh context (its own cookies and storage). */
export async function signedInPage(
  browser: Browser,
  origin: string,
  email: string,
  password: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await signIn(page, origin, email, password);
  return { context, page, problems };
}

/** The page as it is now at phone and desktop widths, saved under test-results/e2e/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const [device, viewport] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150); // layout and charts settle after the resize
    await page.screenshot({ path: path.join(artifacts, `${name}-${device}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/** An access token for setting things up through the API rather than the UI. */
export async function apiToken(origin: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${origin}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function api<T>(origin: string, token: string, method: string, pathname: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A non-streaming chat through the gateway with the demo provider. */
export async function gatewayCall(origin: string, apiKey: string, content = "ping"): Promise<void> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "demo/echo", messages: [{ role: "user", content }] }),
  });
  if (!res.ok) throw new Error(`gateway: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** "1,234" → 1234 (the figures are formatted for en-US). */
export const figure = (text: string | null): number => Number((text ?? "").replace(/[^\d.]/g, ""));
