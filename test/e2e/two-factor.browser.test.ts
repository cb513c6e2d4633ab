import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_STEP_SECONDS, totpCode, totpStep } from '../../src/auth/totp.js';
import type { Clock } from '../../src/clock.js';
import {
  axeViolations,
  browserAvailable,
  buildIfStale,
  createAccount,
  launchBrowser,
  recordPageProblems,
} from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!browserAvailable())('two-factor sign-in in the browser (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  // The server's clock runs with the real one; the test moves it to the next TOTP step, so a code
  // it computes is always one not used yet (a code is accepted once).
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const code = (secret: string) => totpCode(secret, totpStep(clock.now()));
  const nextStep = () => {
    offset += TOTP_STEP_SECONDS * 1000;
  };

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web`, clock });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(15_000);
    problems = await recordPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(username: string) {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill('plover-quartz-harbour-91');
    await page.getByRole('button', { name: 'Log in' }).last().click();
    await page.getByRole('heading', { level: 1, name: 'Two-factor sign-in' }).waitFor();
  }

  async function signOut() {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  }

  it('shows the strength of a new password as it is typed', async () => {
    await page.goto(t.baseUrl);
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Password').fill('aaaaaaaaaa');
    await page.getByText('Very weak: too easy to guess').waitFor();
    await page.getByText('Repeated characters like "aaa" are easy to guess.').waitFor();
    await page.getByLabel('Password').fill('plover-quartz-harbour-91');
    await page.getByText('Very strong', { exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Log in' }).click();
  });

  it('enables two-factor in Settings, then signs in with the password and a code, or a recovery code', async () => {
    await createAccount(page, 'two_factor_user');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByRole('button', { name: 'Set up two-factor sign-in' }).click();

    const secret = (await section.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const qr = section.getByRole('img', { name: 'QR code of the two-factor secret' });
    // Drawn: the data: URL image decoded under the page's CSP (img-src 'self' data:).
    await expect
      .poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);

    await section.getByLabel('Code from the app').fill(code(secret));
    await section.getByRole('button', { name: 'Turn on' }).click();
    const codes = section.getByTestId('recovery-codes').getByRole('listitem');
    await expect.poll(() => codes.count()).toBe(10);
    const recoveryCode = (await codes.first().textContent()) ?? '';
    expect(await section.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/^blob:/);
    await section.getByRole('button', { name: 'I have saved them' }).click();
    await section.getByText('Two-factor sign-in is on. 10 of 10 recovery codes left.').waitFor();

    await signOut();
    nextStep();
    await signIn('two_factor_user');
    // The password alone signed nothing in.
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText('That code is not valid').waitFor();
    await page.getByLabel('Authentication code').fill(code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByText('two_factor_user', { exact: true }).waitFor();

    await signOut();
    await signIn('two_factor_user');
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Watchlist' }).click();
    await page.getByLabel('Symbol to add').waitFor();

    // The wrong code's 400 is the one error the console saw.
    expect(problems.filter((line) => !line.includes('400'))).toEqual([]);
  }, 60_000);
});
