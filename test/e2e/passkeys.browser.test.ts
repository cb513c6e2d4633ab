import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.skipIf(!browserAvailable())('passkeys in Chromium with a virtual authenticator', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let problems: string[];
  /** WebAuthn needs a secure context and a domain for the rpID: http://localhost is both, 127.0.0.1 not the second. */
  let origin: string;

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    origin = t.baseUrl.replace('127.0.0.1', 'localhost');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    problems = await recordPageProblems(page);
    // A platform authenticator (like a phone's or a laptop's) that holds discoverable credentials and
    // verifies its user, answering every prompt at once.
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('adds a passkey in Settings, signs out, and signs in with it instead of the password', async () => {
    await page.goto(origin);
    await createAccount(page, 'passkey_user');
    await page.getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText('No passkeys yet.').waitFor();
    await section.getByLabel('New passkey’s name').fill('Virtual key');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    const list = section.getByRole('list', { name: 'Your passkeys' });
    await list.getByText('Virtual key').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    expect(credentials[0]?.rpId).toBe('localhost');
    expect(problems.splice(0)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // Renamed in place.
    await list.getByRole('button', { name: 'Rename Virtual key' }).click();
    await list.getByLabel('Name').fill('Laptop');
    await list.getByRole('button', { name: 'Save name' }).click();
    await list.getByText('Laptop').waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // The app, signed in: no password typed, no second step.
    await page.locator('.username', { hasText: 'passkey_user' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Watchlist' }).waitFor();
    const { credentials: used } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used[0]?.signCount).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Settings' }).click();
    await section.getByText(/last used (?!never)/).waitFor();
    expect(problems.splice(0)).toEqual([]);

    // Removed: the authenticator still holds it, but it no longer signs in.
    await list.getByRole('button', { name: 'Remove Laptop' }).click();
    await list.getByRole('button', { name: 'Remove for good' }).click();
    await section.getByText('No passkeys yet.').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').getByText('This passkey is not registered with this server.').waitFor();
    // The refused sign-in is a 401 the page tells in words; the browser logs the failed request.
    expect(problems.splice(0).filter((p) => !p.includes('401'))).toEqual([]);
  });
});
