// Headless Debian Chromium for the browser tests and the Lighthouse bench: where it is, how it is
// launched, and what a page must not do (CSP violations, console errors, axe findings).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** No sandbox (containers), no GPU, and nothing that reaches the network on its own. */
export const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Chromium is there; throws when REQUIRE_BROWSER asks for it and it is not. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.REQUIRE_BROWSER) {
    throw new Error(
      `REQUIRE_BROWSER is set but there is no Chromium at ${chromiumPath} (apt-get install -y chromium)`,
    );
  }
  console.warn(
    `[tests] No Chromium at ${chromiumPath}: the browser test is skipped (apt-get install -y chromium).`,
  );
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
}

/** Builds the server and the front end when a source changed since the last build. */
export function buildIfStale(): void {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
}

/** Registers `username` through the page's own form (which signs them in). */
export async function createAccount(page: Page, username: string): Promise<void> {
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill('plover-quartz-harbour-91');
  await page.getByRole('button', { name: 'Create account' }).last().click();
}

/**
 * Everything a page reports that a user should never cause: Content Security Policy violations (as
 * the page's own `securitypolicyviolation` events, so none goes unseen even when the browser does not
 * log it), console errors and uncaught exceptions. Attach before the first navigation.
 */
export async function recordPageProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`CSP: ${text}`));
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
    window.reportCspViolation(
      event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ')',
    ),
  );`);
  return problems;
}

/** axe-core's findings on the page as it is now (every impact), as "rule: target" lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol like the init script: the page's CSP refuses inline scripts.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] }),
  );
  return results.violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(' ')}`),
  );
}
