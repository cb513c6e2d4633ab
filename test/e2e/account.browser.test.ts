import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailable,
  buildIfStale,
  createAccount,
  launchBrowser,
  recordPageProblems,
} from '../support/browser.js';
import { startSmtpServer } from '../support/delivery-fakes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'plover-quartz-harbour-91';

describe.skipIf(!browserAvailable())('sessions and passwords in the browser (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildIfStale();
    smtp = await startSmtpServer();
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'accounts@example.com' },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  /** A browser of its own (its own cookies), with its problems recorded. */
  async function newBrowserPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    return { page, problems: await recordPageProblems(page) };
  }

  async function logIn(page: Page, login: string, password: string) {
    await page.getByLabel('Username or email').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  it('signs out another session from Settings, and changes the password: that browser goes to the sign-in page at once', async () => {
    const desk = await newBrowserPage();
    await desk.page.goto(t.baseUrl);
    await createAccount(desk.page, 'two_browsers');
    await desk.page.getByRole('navigation', { name: 'Main' }).waitFor();

    const phone = await newBrowserPage();
    await phone.page.goto(t.baseUrl);
    await logIn(phone.page, 'two_browsers', PASSWORD);
    // The watchlist page follows the live stream.
    await phone.page.getByText('Simulated market: prices are generated').waitFor();

    await desk.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const sessions = desk.page.getByRole('region', { name: 'Sessions' });
    const list = sessions.getByRole('list', { name: 'Signed-in sessions' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    await list.getByText('This browser').waitFor();
    await list.getByRole('button', { name: 'Sign out Chrome on Linux' }).click();
    await sessions.getByText('Signed out Chrome on Linux.').waitFor();
    // No reload: the stream closed (4001) and the page went to the sign-in form.
    await phone.page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 5000 });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);

    // Signed in again there; a password change here signs it out again.
    await logIn(phone.page, 'two_browsers', PASSWORD);
    await phone.page.getByText('Simulated market: prices are generated').waitFor();
    const form = desk.page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not-the-password-1');
    await form.getByLabel('New password').fill('granite-lantern-orchid-52');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('The current password is wrong.').waitFor();
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Password changed. 1 other session was signed out.').waitFor();
    await phone.page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 5000 });

    // The security log tells it, newest first.
    await desk.page.reload();
    const log = desk.page.getByRole('list', { name: 'Security events' });
    await log.getByText('Password changed').waitFor();
    const first = await log.getByRole('listitem').first().textContent();
    expect(first).toContain('Password changed');
    expect(await log.getByText('A session signed out').count()).toBe(1);
    // The wrong current password's 403 is the one error the browser logs, and the one expected.
    expect(desk.problems.filter((problem) => !problem.includes('status of 403'))).toEqual([]);
    expect(phone.problems).toEqual([]);
  }, 90_000);

  it('resets a forgotten password through the mailed link', async () => {
    const setup = await newBrowserPage();
    await setup.page.goto(t.baseUrl);
    await createAccount(setup.page, 'forgetful');
    await setup.page.getByRole('navigation', { name: 'Main' }).waitFor();

    const { page, problems } = await newBrowserPage();
    await page.goto(t.baseUrl);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill('forgetful@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText('If an account has the address forgetful@example.com').waitFor();

    await expect
      .poll(
        () =>
          smtp.mails.filter((mail) => mail.raw.includes('Subject: Reset your Stock Tracker password')).length,
      )
      .toBe(1);
    const raw = (smtp.mails.find((mail) => mail.raw.includes('Reset your')) ?? { raw: '' }).raw
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    const link = /http:\/\/[^\s"<]+\/reset-password#token=[A-Za-z0-9_-]+/.exec(raw)?.[0] ?? '';
    expect(link).not.toBe('');
    // The link names the configured address; the test's server listens elsewhere.
    await page.goto(`${t.baseUrl}${new URL(link).pathname}${new URL(link).hash}`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('New password', { exact: true }).fill('granite-lantern-orchid-52');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('Your new password is set').waitFor();
    await page.getByRole('link', { name: 'Sign in with it' }).click();
    await logIn(page, 'forgetful@example.com', 'granite-lantern-orchid-52');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // The other browser's session ended with the reset.
    await setup.page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 5000 });
    expect(problems).toEqual([]);
  }, 90_000);
});
