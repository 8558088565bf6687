// The Chromium the end-to-end tests drive through playwright-core (which cannot download
// browsers here). `npm install` is all it takes: without a Chromium of your own, the tests use
// the headless Chromium that the devDependency @sparticuz/chromium ships inside its npm package
// (Linux x64), unpacked to the temp directory on first use.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** Flags for every browser on top of Playwright's own (which already pass `--headless` and `--no-sandbox`). */
const COMMON_ARGS = ["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface ChromiumChoice {
  executablePath: string;
  args: string[];
  /** Extra environment for the browser process (the packaged one's fonts on a machine without fontconfig). */
  env?: Record<string, string>;
  /** Which one and why, for the log. */
  source: string;
}

let chosen: Promise<ChromiumChoice> | undefined;

/**
 * The browser to drive, in this order: `CHROMIUM_PATH` if set; Debian's `/usr/bin/chromium` if
 * present; otherwise the Chromium packaged in @sparticuz/chromium. Resolved once per process.
 */
export function resolveChromium(): Promise<ChromiumChoice> {
  chosen ??= pick();
  return chosen;
}

async function pick(): Promise<ChromiumChoice> {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH=${own} does not exist; unset it to use ${DEBIAN_CHROMIUM} or the packaged Chromium.`);
    return { executablePath: own, args: [...COMMON_ARGS, "--headless", "--no-sandbox", "--disable-gpu"], source: `CHROMIUM_PATH (${own})` };
  }
  if (existsSync(DEBIAN_CHROMIUM)) {
    return {
      executablePath: DEBIAN_CHROMIUM,
      args: [...COMMON_ARGS, "--headless", "--no-sandbox", "--disable-gpu"],
      source: `Debian's Chromium (${DEBIAN_CHROMIUM})`,
    };
  }
  return packagedChromium();
}

/**
 * @sparticuz/chromium's headless shell. Not its `args`: they are for AWS Lambda and switch off
 * web security, site isolation and multi-process, which would hide what the tests look for.
 * Playwright's defaults plus ours run it as it is.
 */
async function packagedChromium(): Promise<ChromiumChoice> {
  const hint = `Set CHROMIUM_PATH to a Chromium or Chrome, or install Debian's (apt-get install chromium).`;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `No Chromium found: ${DEBIAN_CHROMIUM} is missing and the packaged one (@sparticuz/chromium) is built for Linux x64 only, not ${process.platform}-${process.arch}. ${hint}`,
    );
  }
  const { default: packaged } = await import("@sparticuz/chromium").catch((error: unknown) => {
    throw new Error(`No Chromium found: ${DEBIAN_CHROMIUM} is missing and @sparticuz/chromium is not installed (run npm install). ${hint}`, { cause: error });
  });
  // It unpacks to <tmp>/chromium once and then reuses whatever file is there: one cut short (an
  // interrupted first run) or left by another version of the package is removed and unpacked again.
  const wanted = `Chromium ${packagedVersion().split(".")[0]}.`;
  let executablePath = await packaged.executablePath();
  let problem = runs(executablePath, wanted);
  if (problem && !missingLibraries(problem)) {
    rmSync(executablePath, { force: true });
    executablePath = await packaged.executablePath();
    problem = runs(executablePath, wanted);
  }
  if (problem) {
    const libs = missingLibraries(problem) ? ` It needs the system libraries libnss3, libnspr4 and libexpat1 (Debian/Ubuntu: apt-get install libnss3).` : "";
    throw new Error(`The packaged Chromium (${executablePath}, from @sparticuz/chromium) does not start: ${problem}.${libs} ${hint}`);
  }
  // With no system fontconfig (a slim container), use the fonts the package ships (Open Sans).
  const fonts = existsSync("/etc/fonts/fonts.conf") || process.env.FONTCONFIG_PATH ? undefined : { FONTCONFIG_PATH: path.join(os.tmpdir(), "fonts") };
  return { executablePath, args: COMMON_ARGS, env: fonts, source: `the Chromium packaged in @sparticuz/chromium (${executablePath})` };
}

/** The installed @sparticuz/chromium's version, e.g. "153.0.0" (its major is Chromium's). */
function packagedVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium"); // <package>/build/index.js
  return (JSON.parse(readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
}

/** Why `file --version` fails or does not print `wanted`, or undefined when all is well. */
function runs(file: string, wanted: string): string | undefined {
  try {
    const version = execFileSync(file, ["--version"], { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 })
      .toString()
      .trim();
    return version.startsWith(wanted) ? undefined : `it is ${version || "no Chromium"}, not ${wanted}x`;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (error instanceof Error ? error.message : String(error));
  }
}

function missingLibraries(problem: string): boolean {
  return problem.includes("error while loading shared libraries");
}

/**
 * The tests read English pages. A headless shell (the packaged one) takes its language from the
 * environment and ignores --lang: under LANG=C, the usual CI and container setting, its
 * navigator.language is "en-US@posix", which Intl.NumberFormat rejects (the charts then fail).
 */
const ENGLISH = { LANG: "en_US.UTF-8", LC_ALL: "en_US.UTF-8" };

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, args, env } = await resolveChromium();
  return chromium.launch({ executablePath, args, env: { ...process.env, ...ENGLISH, ...env } });
}
