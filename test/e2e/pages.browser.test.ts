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

/** The state of the service worker controlling the page's scope (as a string: evaluated in the page). */
const WORKER_STATE =
  'navigator.serviceWorker.ready.then((registration) => registration.active?.state ?? null)';

/** The sum of the page's layout shifts since it loaded, as Lighthouse and Core Web Vitals count them. */
function cumulativeLayoutShift(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    new PerformanceObserver((list) =>
      resolve(list.getEntries().filter((s) => !s.hadRecentInput).reduce((sum, s) => sum + s.value, 0)),
    ).observe({ type: 'layout-shift', buffered: true });
    // With no shift at all the observer is never called.
    setTimeout(() => resolve(0), 500);
  })`);
}

describe.skipIf(!browserAvailable())('every page, as a phone shows it (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  /** Every script the page fetched, with how it came (content-encoding). */
  const scripts = new Map<string, string | undefined>();

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    browser = await launchBrowser();
    // Lighthouse's phone (a Moto G Power).
    page = await browser.newPage({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75 });
    problems = await recordPageProblems(page);
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        scripts.set(new URL(response.url()).pathname, response.headers()['content-encoding']);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** The page as it is now breaks no CSP rule, logs no error, and axe finds nothing of any impact. */
  async function expectClean(what: string) {
    expect.soft(problems.splice(0), `CSP reports and console errors on ${what}`).toEqual([]);
    expect.soft(await axeViolations(page), `axe on ${what}`).toEqual([]);
  }

  it('serves the built assets compressed, the hashed ones cached for a year', async () => {
    const index = await fetch(t.baseUrl, { headers: { accept: 'text/html' } });
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const plain = await fetch(`${t.baseUrl}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const source = await plain.text();
    for (const encoding of ['br', 'gzip']) {
      const response = await fetch(`${t.baseUrl}${script}`, { headers: { 'accept-encoding': encoding } });
      expect(response.headers.get('content-encoding')).toBe(encoding);
      expect(response.headers.get('content-type')).toMatch(/javascript/);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(await response.text()).toBe(source);
    }
  });

  it('sign-in and register: a heading, no error for the anonymous session check', async () => {
    await page.goto(t.baseUrl);
    await page.getByLabel('Username or email').waitFor();
    await expectClean('the sign-in page');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Log in');

    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
    await expectClean('the register page');
  });

  it('watchlist: nothing moves when the feed status arrives after the first frame', async () => {
    await page.getByRole('tab', { name: 'Log in' }).click();
    await createAccount(page, 'pages_user');
    for (const symbol of ['AAPL', 'MSFT']) {
      await page.getByLabel('Symbol to add').fill(symbol);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.locator(`tr[data-symbol="${symbol}"]`).waitFor();
    }
    await expectClean('the watchlist');

    await page.reload();
    await page.getByText('Simulated market: prices are generated').waitFor();
    // (The sparkline column is hidden on a phone; its line still arrives after the first frame.)
    await page.locator('tr[data-symbol="MSFT"] svg.sparkline polyline').waitFor({ state: 'attached' });
    expect(await cumulativeLayoutShift(page)).toBeLessThan(0.02);
    await expectClean('the reloaded watchlist');
    // The chart library is fetched only by the page that draws a chart, and every script compressed.
    expect([...scripts.keys()].filter((path) => path.includes('PriceChart'))).toEqual([]);
    expect(new Set(scripts.values())).toEqual(new Set(['br']));
  });

  it('column chooser: focus moves into it, Escape closes it and gives focus back to its button', async () => {
    const button = page.getByRole('button', { name: 'Columns' });
    await button.click();
    const chooser = page.getByRole('dialog', { name: 'Columns' });
    await chooser.waitFor();
    const focusInChooser = () =>
      chooser.evaluate((panel) => panel.contains(panel.ownerDocument.activeElement));
    await expect.poll(focusInChooser).toBe(true);
    await expectClean('the open column chooser');

    // Tab stays useful: the keyboard reaches the chooser's controls without leaving it first.
    await page.keyboard.press('Tab');
    expect(await focusInChooser()).toBe(true);
    await page.keyboard.press('Escape');
    await chooser.waitFor({ state: 'detached' });
    expect(await button.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await button.getAttribute('aria-expanded')).toBe('false');

    // "Done" gives focus back the same way.
    await button.press('Enter');
    await chooser.getByRole('button', { name: 'Done' }).click();
    await chooser.waitFor({ state: 'detached' });
    expect(await button.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
  });

  it('stock page: the chart draws under the strict CSP, with a visible link crediting TradingView', async () => {
    await page.getByRole('link', { name: /MSFT/ }).click();
    await page.getByRole('heading', { level: 1, name: 'MSFT' }).waitFor();
    await page.locator('.price-chart canvas').first().waitFor();
    expect([...scripts.keys()].filter((path) => path.includes('PriceChart'))).toHaveLength(1);
    await expect.poll(() => page.getByTestId('chart-legend').textContent()).toMatch(/O \$[\d,.]+H \$/);
    await expectClean('the stock page');
    // The library's own logo is off (it needs an inline <style>, which the CSP refuses); the page
    // credits TradingView instead, as the library's licence asks.
    expect(await page.locator('#tv-attr-logo').count()).toBe(0);
    const credit = page.getByRole('link', { name: /TradingView/ });
    expect(await credit.getAttribute('href')).toBe('https://www.tradingview.com/');
    expect(await credit.isVisible()).toBe(true);
  });

  it('stock page: the "Create alert" form, its preview and the chart level pass the same checks', async () => {
    await page.getByRole('button', { name: 'Create alert' }).click();
    const form = page.getByRole('form', { name: 'Create an alert on MSFT' });
    await form.waitFor();
    await expect.poll(() => page.getByTestId('alert-preview').textContent()).toMatch(/fired|No prices/);
    await expect.poll(() => page.locator('.price-chart').getAttribute('data-levels')).toMatch(/^\d/);
    await expectClean('the create-alert form');
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('bell: focus moves into the notification centre, Escape closes it and gives focus back', async () => {
    const bell = page.getByRole('button', { name: /^Notifications/ });
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.waitFor();
    await expect
      .poll(() => panel.evaluate((element) => element.contains(element.ownerDocument.activeElement)))
      .toBe(true);
    await panel.getByText('Nothing yet').waitFor();
    await expectClean('the notification centre');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await bell.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await bell.getAttribute('aria-expanded')).toBe('false');
  });

  it('alerts and settings pages: clean, and nothing moves as they load', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    await page.getByText('No alerts yet').waitFor();
    await expectClean('the alerts page');
    await page.reload();
    await page.getByText('No alerts yet').waitFor();
    expect(await cumulativeLayoutShift(page)).toBeLessThan(0.02);
    await expectClean('the reloaded alerts page');

    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByText('No channels yet').waitFor();
    await expectClean('the settings page');
    await page.reload();
    await page.getByText('No channels yet').waitFor();
    expect(await cumulativeLayoutShift(page)).toBeLessThan(0.02);
    await expectClean('the reloaded settings page');
  });

  it('"forgot password" and the pages a mailed link opens: clean, and the link token leaves the address bar', async () => {
    for (const [path, heading] of [
      ['/forgot-password', 'Reset your password'],
      ['/reset-password#token=kY3vQ0x9bN2mR7sT5uW1zA4cD6eF8gH0jL2nP4qS6tU', 'Choose a new password'],
      ['/verify-email', 'Confirm your email address'],
    ] as const) {
      await page.goto(`${t.baseUrl}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      expect(new URL(page.url()).hash).toBe('');
      await expectClean(`the ${path.split('#')[0]} page`);
    }
  });

  it('installable: the manifest, its icons and /sw.js are served as browsers want them', async () => {
    const manifestResponse = await fetch(`${t.baseUrl}/manifest.webmanifest`);
    expect(manifestResponse.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await manifestResponse.json()) as {
      name: string;
      start_url: string;
      display: string;
      theme_color: string;
      icons: Array<{ src: string; sizes: string; type: string; purpose: string }>;
    };
    expect(manifest).toMatchObject({ name: 'Stock Tracker', start_url: '/', display: 'standalone' });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
    expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose}`)).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ]);
    for (const icon of manifest.icons) {
      const response = await fetch(`${t.baseUrl}${icon.src}`);
      expect(response.headers.get('content-type')).toBe('image/png');
      // A PNG's width and height are the IHDR chunk's first two 32-bit numbers.
      const png = Buffer.from(await response.arrayBuffer());
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
    }

    const worker = await fetch(`${t.baseUrl}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
    // Revalidated on every load, so a new build's worker is found at once.
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(worker.headers.get('content-security-policy')).toContain("script-src 'self'");
    const source = await worker.text();
    expect(source).not.toMatch(/^\s*(import|export)\b/m);
    expect(source).not.toContain('__APP_SHELL__');

    // The page links the manifest, and its worker took control of it.
    expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe('/manifest.webmanifest');
    await expect.poll(() => page.evaluate(WORKER_STATE)).toBe('activated');
    await expectClean('the page with its service worker');
  });

  it('starts offline: the service worker answers with the app shell when the server is gone', async () => {
    const gone = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    const offline = await browser.newPage();
    try {
      await offline.goto(`${gone.baseUrl}/stocks/AAPL`);
      await offline.getByLabel('Username or email').waitFor();
      await expect.poll(() => offline.evaluate(WORKER_STATE)).toBe('activated');
      await gone.close();
      await offline.reload();
      // The page and its code came from the worker's cache; only the API calls failed.
      await offline.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      expect(await offline.locator('.brand').textContent()).toContain('Stock Tracker');
    } finally {
      await offline.close();
    }
  });
});
