import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
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

describe.skipIf(!browserAvailable())('running an instance from the admin console (headless Chromium)', () => {
  const apps: TestApp[] = [];
  let browser: Browser;

  beforeAll(async () => {
    buildIfStale();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const app of apps) await app.close();
  });

  const start = async (env: Record<string, string>) => {
    const t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web`, env });
    apps.push(t);
    return t;
  };

  it('the first account is the admin; it invites a visitor, who registers with the link', async () => {
    const t = await start({ REGISTRATION: 'invite' });
    const adminPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = await recordPageProblems(adminPage);
    await adminPage.goto(t.baseUrl);
    await adminPage.getByRole('tab', { name: 'Create account' }).click();
    await adminPage.getByText("This is the server's first account: it becomes the administrator.").waitFor();
    await createAccount(adminPage, 'site_admin');
    await adminPage.getByRole('link', { name: 'Admin' }).click();
    await adminPage.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
    await adminPage.locator('tr[data-username="site_admin"]').waitFor();
    expect(await axeViolations(adminPage)).toEqual([]);

    await adminPage.getByRole('tab', { name: 'Invitations' }).click();
    await adminPage.getByRole('button', { name: 'Create invitation' }).click();
    const link = (await adminPage.getByTestId('invite-link').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^${t.baseUrl}/register\\?invite=[\\w-]{22}$`));
    await adminPage.getByRole('cell', { name: 'open' }).waitFor();
    expect(await axeViolations(adminPage)).toEqual([]);

    const visitor = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const visitorProblems = await recordPageProblems(visitor);
    await visitor.goto(link);
    expect(await visitor.getByLabel('Invitation code').inputValue()).toBe(link.split('invite=')[1]);
    await visitor.getByLabel('Username').fill('invited_friend');
    await visitor.getByLabel('Email').fill('friend@example.com');
    await visitor.getByLabel('Password').fill('plover-quartz-harbour-91');
    await visitor.getByRole('button', { name: 'Create account' }).last().click();
    await visitor.getByLabel('Symbol to add').waitFor();
    // A user sees no way into the console.
    expect(await visitor.getByRole('link', { name: 'Admin' }).count()).toBe(0);

    await adminPage.getByRole('tab', { name: 'Users' }).click();
    await adminPage.locator('tr[data-username="invited_friend"]').waitFor();
    await adminPage.getByRole('tab', { name: 'Invitations' }).click();
    await adminPage.getByRole('cell', { name: 'invited_friend' }).waitFor();
    await adminPage.getByRole('tab', { name: 'Health' }).click();
    await adminPage.getByText('Simulated market', { exact: true }).waitFor();
    expect(await axeViolations(adminPage)).toEqual([]);
    await adminPage.getByRole('tab', { name: 'Audit log' }).click();
    await adminPage.getByRole('cell', { name: 'admin_invite_created' }).waitFor();
    expect(await axeViolations(adminPage)).toEqual([]);

    // Disabling the visitor ends their session: their next call sends them to the sign-in page.
    await adminPage.getByRole('tab', { name: 'Users' }).click();
    const row = adminPage.locator('tr[data-username="invited_friend"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('cell', { name: 'disabled' }).waitFor();
    await visitor.reload();
    await visitor.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

    expect(problems).toEqual([]);
    expect(visitorProblems).toEqual([]);
  }, 120_000);

  it('with REGISTRATION=closed the register page says registration is closed', async () => {
    const t = await start({ REGISTRATION: 'closed' });
    const first = await fetch(`${t.baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.baseUrl },
      body: JSON.stringify({
        username: 'owner',
        email: 'owner@example.com',
        password: 'plover-quartz-harbour-91',
      }),
    });
    expect(first.status).toBe(201);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = await recordPageProblems(page);
    await page.goto(`${t.baseUrl}/register`);
    await page
      .getByRole('status')
      .getByText('Registration is closed on this server. Ask its administrator for an account.')
      .waitFor();
    expect(await page.getByLabel('Email').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: 'Log in' }).click();
    await page.getByLabel('Username or email').waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});
