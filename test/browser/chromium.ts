/**
 * Headless Chromium for the browser checks: Debian's `chromium` package driven by playwright-core
 * (no downloaded browsers), with everything that would reach out to the network turned off.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A running Chromium with a throw-away profile. */
export interface HeadlessChromium {
  context: BrowserContext;
  /** What the browser calls itself, for the log. */
  version: string;
  close(): Promise<void>;
}

/** Starts headless Chromium, or throws saying how to install it. */
export async function launchChromium(): Promise<HeadlessChromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install Debian's package (as root: apt-get update && apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    version: context.browser()?.version() ?? CHROMIUM,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Named checks, printed as they pass; the first failing one throws. */
export function createChecks(): {
  check(name: string, assertion: () => void): void;
  readonly passed: number;
} {
  let passed = 0;
  return {
    check(name, assertion) {
      assertion();
      passed++;
      console.log(`  ✓ ${name}`);
    },
    get passed() {
      return passed;
    },
  };
}
