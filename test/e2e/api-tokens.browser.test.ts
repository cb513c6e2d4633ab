import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
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

describe.skipIf(!browserAvailable())('API tokens from Settings to a script (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    problems = await recordPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** What a script does: the token in the Authorization header, nothing else (no cookie, no CSRF). */
  const asScript = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates a token shown once, calls the API with it, sees it used, revokes it and gets 401', async () => {
    await page.goto(t.baseUrl);
    await createAccount(page, 'token_user');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    const section = page.getByRole('region', { name: 'API tokens' });
    await section.getByText('No tokens yet.').waitFor();

    await section.getByLabel('Name').fill('price script');
    await section.getByRole('checkbox', { name: /watchlist:write/ }).check();
    await section.getByLabel('Expires after').selectOption('30');
    await section.getByRole('button', { name: 'Create token' }).click();
    const shown = section.getByTestId('new-api-token');
    await shown.waitFor();
    const token = (await shown.textContent()) ?? '';
    expect(token).toMatch(/^st_[0-9A-Za-z]{38}$/);
    await section.getByText('it is not shown again').waitFor();
    expect(await section.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);

    const item = section.locator('li', { hasText: 'price script' });
    await item.getByText(`…${token.slice(-4)}`).waitFor();
    expect(await item.textContent()).toContain('read, watchlist:write');
    expect(await item.textContent()).toContain('last used never');
    expect(await axeViolations(page)).toEqual([]);

    const added = await asScript(token, 'POST', '/watchlist', { symbol: 'AAPL' });
    expect(added.status).toBe(201);
    const listed = await asScript(token, 'GET', '/watchlist');
    expect(listed.status).toBe(200);
    expect(
      ((await listed.json()) as { items: Array<{ symbol: string }> }).items.map((i) => i.symbol),
    ).toEqual(['AAPL']);
    const refused = await asScript(token, 'POST', '/alerts', {
      symbol: 'AAPL',
      kind: 'price_cross_up',
      threshold: 1,
    });
    expect(refused.status).toBe(403);

    // Done hides the token for good; a reload shows that it was used.
    await section.getByRole('button', { name: 'Done' }).click();
    expect(await section.getByTestId('new-api-token').count()).toBe(0);
    await page.reload();
    const reloaded = page
      .getByRole('region', { name: 'API tokens' })
      .locator('li', { hasText: 'price script' });
    await expect.poll(async () => (await reloaded.textContent()) ?? '').not.toContain('last used never');
    expect(await page.content()).not.toContain(token);

    await reloaded.getByRole('button', { name: 'Revoke price script' }).click();
    await reloaded.getByRole('button', { name: 'Revoke for good' }).click();
    await page.getByRole('region', { name: 'API tokens' }).getByText('No tokens yet.').waitFor();
    const afterRevoke = await asScript(token, 'GET', '/watchlist');
    expect(afterRevoke.status).toBe(401);
    expect(((await afterRevoke.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
    expect(problems).toEqual([]);
  });
});
