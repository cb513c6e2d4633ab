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
import { startReceiver, startSmtpServer } from '../support/delivery-fakes.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!browserAvailable())('an alert from the stock page to the bell (headless Chromium)', () => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  beforeAll(async () => {
    buildIfStale();
    await fake.start();
    receiver = await startReceiver();
    smtp = await startSmtpServer();
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      env: {
        ...fake.appEnv(),
        // The webhook receiver is on loopback.
        WEBHOOK_ALLOW_PRIVATE: 'true',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Stock Tracker <alerts@example.com>',
      },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    problems = await recordPageProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake.stop();
    await receiver?.close();
    await smtp?.close();
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

  it('settings: a webhook with its secret shown once, email, "send test" for each, quiet hours; an alert sent to the webhook, its log', async () => {
    const settings = await browser.newPage({ viewport: { width: 412, height: 900 } });
    const pageProblems = await recordPageProblems(settings);
    await settings.goto(t.baseUrl);
    await createAccount(settings, 'settings_user');
    await settings.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await settings.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await settings.getByText('No channels yet.').waitFor();
    // This browser could subscribe to pushes (the button is offered; the test has no push service).
    await settings.getByRole('button', { name: 'Enable notifications on this device' }).waitFor();

    const webhookForm = settings.getByRole('form', { name: 'Add a webhook' });
    await webhookForm.getByLabel('URL').fill(`${receiver.url}/hooks/alerts`);
    await webhookForm.getByLabel('Name (optional)').fill('Home automation');
    await webhookForm.getByRole('button', { name: 'Add webhook' }).click();
    const secret = settings.getByTestId('webhook-secret');
    expect(await secret.textContent()).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await settings.getByRole('button', { name: 'Done' }).click();
    await secret.waitFor({ state: 'detached' });
    const webhook = settings.locator('li.channel', { hasText: 'Home automation' });
    await webhook.getByRole('button', { name: 'Send test to Home automation' }).click();
    await webhook.getByText('Test sent.').waitFor();
    expect(receiver.received.at(-1)?.headers['webhook-signature']).toMatch(/^v1,/);

    // Email is offered: the server has SMTP settings.
    await settings.getByRole('button', { name: 'Send alerts by email to settings_user@example.com' }).click();
    const email = settings.locator('li.channel', { hasText: 'Email to settings_user@example.com' });
    await email.getByRole('button', { name: /^Send test to/ }).click();
    await email.getByText('Test sent.').waitFor();
    expect(smtp.mails.at(-1)?.to).toEqual(['settings_user@example.com']);

    await settings.getByLabel('Hold push and email during quiet hours').check();
    await settings.getByLabel('From').fill('22:30');
    await settings.getByLabel('Until').fill('06:45');
    await settings.getByLabel('Time zone').selectOption('Europe/Berlin');
    await settings.getByRole('button', { name: 'Save quiet hours' }).click();
    await settings.getByText('Saved.').waitFor();
    const saved = await settings.request.get(`${t.baseUrl}/api/v1/notification-settings`);
    expect(await saved.json()).toEqual({
      quietHours: { start: '22:30', end: '06:45' },
      timeZone: 'Europe/Berlin',
    });

    // An alert sent to the webhook too: its log shows the webhook's outcome.
    await settings.goto(`${t.baseUrl}/stocks/MSFT`);
    await settings.getByRole('button', { name: 'Create alert' }).click();
    const form = settings.getByRole('form', { name: 'Create an alert on MSFT' });
    await form.getByLabel('When').selectOption('price_cross_down');
    await form.getByLabel(/^Price/).fill('415');
    await form.getByRole('checkbox', { name: /Home automation/ }).check();
    await form.getByRole('button', { name: 'Create alert' }).click();
    await settings.getByText('Alert created: Price falls below $415.00.').waitFor();
    const before = receiver.received.length;
    // MSFT is on no watchlist: the alert alone makes the server follow it live.
    await expect.poll(() => fake.streamSubscriptions()).toContain('MSFT');
    fake.trade('MSFT', 415.2);
    const quote = async () =>
      (await (await settings.request.get(`${t.baseUrl}/api/v1/quotes/MSFT`)).json()).price;
    await expect.poll(quote).toBe(415.2);
    fake.trade('MSFT', 414.5);
    await settings.getByTestId('alert-toast').waitFor({ timeout: 10_000 });
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(before);
    const delivered = JSON.parse(receiver.received.at(-1)?.body.toString() ?? '{}') as { type?: string };
    expect(delivered.type).toBe('alert.fired');

    await settings.goto(`${t.baseUrl}/alerts`);
    const fired = settings.getByRole('region', { name: /Fired/ });
    await fired.getByRole('button', { name: /^Log:/ }).click();
    await expect
      .poll(() => fired.getByRole('table').textContent(), { timeout: 10_000 })
      .toMatch(/Home automation: sent/);
    expect(pageProblems).toEqual([]);
    await settings.close();
  }, 90_000);
});
