import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailable,
  buildIfStale,
  createAccount,
  launchBrowser,
  recordPageProblems,
} from '../support/browser.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!browserAvailable())('an alert from the stock page to the bell (headless Chromium)', () => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    buildIfStale();
    await fake.start();
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      env: fake.appEnv(),
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    problems = await recordPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake.stop();
  });

  it('creates an alert with its 30-day preview, sees the toast and the bell count when a trade crosses it, and marks it read', async () => {
    await page.goto(t.baseUrl);
    await createAccount(page, 'alert_user');
    await page.getByLabel('Symbol to add').fill('AAPL');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const price = page.locator('tr[data-symbol="AAPL"]').getByTestId('price');
    await expect.poll(() => price.textContent()).toBe('$261.74');
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    const bell = page.getByRole('button', { name: /^Notifications/ });
    expect(await bell.getAttribute('aria-label')).toBe('Notifications');

    await page.getByRole('link', { name: /AAPL/ }).first().click();
    await page.getByRole('heading', { level: 1, name: 'AAPL' }).waitFor();
    await page.getByRole('button', { name: 'Create alert' }).click();
    const form = page.getByRole('form', { name: 'Create an alert on AAPL' });
    const threshold = form.getByLabel('Price (USD)');
    // Prefilled with the last price.
    await expect.poll(() => threshold.inputValue()).toBe('261.74');

    // A level the price is already past: the form says the alert waits for it to come back and cross.
    await form.getByLabel('When').selectOption('price_cross_down');
    await threshold.fill('270');
    const preview = page.getByTestId('alert-preview');
    await preview.getByText('The price is already past this level').waitFor();

    await form.getByLabel('When').selectOption('price_cross_up');
    await threshold.fill('262');
    // The answer for the new level (not the last one, kept dimmed while it is asked for).
    const answer = async () =>
      (await preview.getAttribute('aria-busy')) === null ? await preview.textContent() : 'busy';
    await expect.poll(answer).toMatch(/Would (not )?have fired|No prices of this symbol are stored yet/);
    expect(await preview.getByText('already past this level').count()).toBe(0);
    await form.getByRole('button', { name: 'Create alert' }).click();
    await page.getByText('Alert created: Price rises above $262.00.').waitFor();
    // Its level is drawn on the chart.
    await expect.poll(() => page.locator('.price-chart').getAttribute('data-levels')).toBe('262');

    // A trade under the level, then one over it: the alert fires.
    fake.trade('AAPL', 261.9);
    await expect.poll(() => page.getByTestId('stock-price').textContent()).toBe('$261.90');
    fake.trade('AAPL', 262.5);
    const toast = page.getByTestId('alert-toast');
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toContain('AAPL');
    expect(await page.getByRole('status').filter({ has: toast }).count()).toBe(1);
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications, 1 unread');
    expect(await page.getByTestId('bell-count').textContent()).toBe('1');

    // The notification centre: the firing, unread; "Mark read" clears the count, on the server too.
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.waitFor();
    const item = panel.locator('li.unread');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('AAPL');
    await item.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications');
    expect(await panel.locator('li.unread').count()).toBe(0);
    expect(await page.getByTestId('bell-count').count()).toBe(0);
    const stored = await page.request.get(`${t.baseUrl}/api/v1/notifications`);
    expect((await stored.json()).unread).toBe(0);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });

    // The Alerts page lists it as fired, with its log.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const fired = page.getByRole('region', { name: /Fired/ });
    await fired.getByText('Price rises above 262.00').waitFor();
    await fired.getByRole('button', { name: /^Log:/ }).click();
    await fired.getByRole('table').getByText('262.50').waitFor();
    expect(problems).toEqual([]);
  }, 90_000);
});
