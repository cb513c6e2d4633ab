import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { browserAvailable, buildIfStale, createAccount, launchBrowser } from '../support/browser.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!browserAvailable())('the watchlist in a real browser (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const fake = new FakeFinnhub();
  let finnhubApp: TestApp | undefined;

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({ database: 'pglite', listen: true, webRoot: `${root}/dist/web` });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await finnhubApp?.close();
    await fake.stop();
  });

  it('registers, adds AAPL, sees its price move live, and removes it', async () => {
    await page.goto(t.baseUrl);
    await page.getByRole('tab', { name: 'Create account' }).click();

    // A weak password is refused with every reason shown next to the field.
    await page.getByLabel('Username').fill('browser_user');
    await page.getByLabel('Email').fill('browser@example.com');
    await page.getByLabel('Password').fill('123456');
    await page.getByRole('button', { name: 'Create account' }).last().click();
    const reasons = page.locator('#auth-password-errors li');
    await expect
      .poll(() => reasons.allTextContents())
      .toEqual([
        'This password is too short. It must contain at least 10 characters.',
        'This password is too common.',
        'This password is entirely numeric.',
      ]);

    await page.getByLabel('Password').fill('plover-quartz-harbour-91');
    await page.getByRole('button', { name: 'Create account' }).last().click();
    await page.getByRole('heading', { name: 'Watchlist' }).waitFor();
    await page.getByText('Simulated market:', { exact: false }).first().waitFor();
    await page.locator('.market-status').getByText('Simulated market: open around the clock').waitFor();

    await page.getByLabel('Symbol to add').fill('aapl');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.locator('tr[data-symbol="AAPL"]');
    await row.waitFor();
    await expect.poll(() => row.locator('.name').textContent()).toBe('Apple Inc');
    const price = row.getByTestId('price');
    await expect.poll(() => price.textContent()).toMatch(/^\$\d/);
    const first = await price.textContent();

    // The price changes without a reload, with a flash on the cell.
    await expect.poll(() => price.textContent(), { timeout: 10_000 }).not.toBe(first);
    await expect.poll(() => price.getAttribute('class'), { timeout: 5000 }).toMatch(/flash-(up|down)-[01]/);
    await expect.poll(() => page.getByText(/Last updated/).count()).toBe(1);

    // An unknown symbol is refused with a clear message and no row.
    await page.getByLabel('Symbol to add').fill('NOPEX');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByRole('alert')
      .getByText('No stock or instrument with the symbol NOPEX was found.')
      .waitFor();
    expect(await page.locator('tr[data-symbol="NOPEX"]').count()).toBe(0);

    // Search as you type: the suggestions list follows the text, the keyboard picks one.
    const box = page.getByRole('combobox', { name: 'Symbol to add' });
    await box.fill('micro');
    const option = page.getByRole('option', { name: /MSFT.*Microsoft Corp/ });
    await option.waitFor();
    await box.press('ArrowDown');
    await expect.poll(() => option.getAttribute('aria-selected')).toBe('true');
    await box.press('Enter');
    await page.locator('tr[data-symbol="MSFT"]').waitFor();
    expect(await box.inputValue()).toBe('');
    await page.getByRole('button', { name: 'Remove MSFT' }).click();
    await page.locator('tr[data-symbol="MSFT"]').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Remove AAPL' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByText('Your watchlist is empty').waitFor();

    // Gone on the server too, and still gone after a reload.
    await page.reload();
    await page.getByText('Your watchlist is empty').waitFor();
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  }, 60_000);

  it('opens a stock page from the watchlist, switches ranges and styles, and follows the live price', async () => {
    const chartPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    chartPage.on('pageerror', (error) => problems.push(error.message));
    await chartPage.goto(t.baseUrl);
    await createAccount(chartPage, 'chart_user');
    await chartPage.getByLabel('Symbol to add').fill('MSFT');
    await chartPage.getByRole('button', { name: 'Add', exact: true }).click();
    await chartPage.locator('tr[data-symbol="MSFT"]').waitFor();
    // The new row gets its sparkline at once (the symbol's past is generated as it is added).
    await chartPage.locator('tr[data-symbol="MSFT"] svg.sparkline polyline').waitFor();

    await chartPage.getByRole('link', { name: /MSFT/ }).click();
    await expect.poll(() => new URL(chartPage.url()).pathname).toBe('/stocks/MSFT');
    await chartPage.getByRole('heading', { name: 'MSFT' }).waitFor();
    await expect.poll(() => chartPage.getByTestId('stock-price').textContent()).toMatch(/^\$\d/);
    await chartPage.getByText('52-week range').waitFor();
    await chartPage.locator('.company-name').getByText('Microsoft Corp').waitFor();
    // The logo comes from our own origin (the CSP allows no other), and it loads.
    const logo = chartPage.locator('img.logo');
    expect(await logo.getAttribute('src')).toBe('/api/v1/quotes/MSFT/logo');
    await expect
      .poll(() => logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    const legend = chartPage.getByTestId('chart-legend');
    await expect.poll(() => legend.textContent()).toMatch(/O \$[\d,.]+H \$/);
    expect(await chartPage.locator('.price-chart canvas').count()).toBeGreaterThan(0);
    const oneDay = chartPage.getByRole('button', { name: '1D' });
    expect(await oneDay.getAttribute('aria-pressed')).toBe('true');

    // The chart's last bar follows the stream.
    const lastClose = chartPage.getByTestId('chart-last-close');
    const before = await lastClose.textContent();
    await expect.poll(() => lastClose.textContent(), { timeout: 10_000 }).not.toBe(before);

    // A year of daily bars: the legend shows a date without a time, then the live price moves it too.
    const historyAnswer = chartPage.waitForResponse((r) => r.url().includes('/history?range=1y'));
    await chartPage.getByRole('button', { name: '1Y' }).click();
    expect((await historyAnswer).status()).toBe(200);
    await expect
      .poll(() => chartPage.getByRole('button', { name: '1Y' }).getAttribute('aria-pressed'))
      .toBe('true');
    await chartPage.getByRole('button', { name: 'Line' }).click();
    const yearClose = await lastClose.textContent();
    await expect.poll(() => lastClose.textContent(), { timeout: 10_000 }).not.toBe(yearClose);
    await expect
      .poll(() => chartPage.getByTestId('stock-price').textContent())
      .toBe(await lastClose.textContent());

    // Back to the watchlist with the browser's Back button, and straight to the page by its address.
    await chartPage.goBack();
    await chartPage.getByRole('heading', { name: 'Watchlist' }).waitFor();
    await chartPage.goto(`${t.baseUrl}/stocks/msft`);
    await chartPage.getByRole('heading', { name: 'MSFT' }).waitFor();
    await expect.poll(() => chartPage.getByTestId('stock-price').textContent()).toMatch(/^\$\d/);

    // A symbol off the watchlist still moves (refreshed once the server's quote is 15 s old) and can be
    // added from here.
    await chartPage.goto(`${t.baseUrl}/stocks/NVDA`);
    await chartPage.getByText('NVDA is not on your watchlist').waitFor();
    const unwatchedPrice = chartPage.getByTestId('stock-price');
    await expect.poll(() => unwatchedPrice.textContent()).toMatch(/^\$\d/);
    const firstPrice = await unwatchedPrice.textContent();
    await expect.poll(() => unwatchedPrice.textContent(), { timeout: 30_000 }).not.toBe(firstPrice);
    await chartPage.getByRole('button', { name: 'Add it to your watchlist' }).click();
    await chartPage.getByText('NVDA is not on your watchlist').waitFor({ state: 'detached' });
    await chartPage.getByRole('link', { name: '← Watchlist' }).click();
    await chartPage.locator('tr[data-symbol="NVDA"]').waitFor();
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await chartPage.close();
  }, 90_000);

  it('lets the user choose, order and sort the watchlist columns, saved on the server', async () => {
    const prefsPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    prefsPage.on('pageerror', (error) => problems.push(error.message));
    await prefsPage.goto(t.baseUrl);
    await createAccount(prefsPage, 'columns_user');
    for (const symbol of ['MSFT', 'AAPL', 'BRK.A']) {
      await prefsPage.getByLabel('Symbol to add').fill(symbol);
      await prefsPage.getByRole('button', { name: 'Add', exact: true }).click();
      await prefsPage.locator(`tr[data-symbol="${symbol}"]`).waitFor();
    }
    const headers = () => prefsPage.locator('.watchlist thead th').allInnerTexts();
    const order = () =>
      prefsPage
        .locator('.watchlist tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-symbol')));
    expect(await order()).toEqual(['MSFT', 'AAPL', 'BRK.A']);

    await prefsPage.getByRole('button', { name: 'Columns' }).click();
    const chooser = prefsPage.getByRole('dialog', { name: 'Columns' });
    await chooser.getByRole('checkbox', { name: 'Volume' }).uncheck();
    await chooser.getByRole('checkbox', { name: 'Market cap' }).check();
    await chooser.getByRole('button', { name: 'Move Market cap up' }).click();
    await chooser.getByRole('button', { name: 'Done' }).click();
    await expect
      .poll(headers)
      .toEqual(['SYMBOL', 'TODAY', 'PRICE', 'CHANGE', '%', 'MKT CAP', 'UPDATED', 'REMOVE']);
    await expect
      .poll(() => prefsPage.locator('tr[data-symbol="AAPL"] td[data-column="marketCap"]').textContent())
      .toMatch(/^\$[\d.]+[BT]$/);

    // Sorting by price, then the other way round.
    await prefsPage.getByRole('button', { name: 'PRICE' }).click();
    await expect.poll(order).toEqual(['AAPL', 'MSFT', 'BRK.A']);
    await prefsPage.getByRole('button', { name: 'PRICE' }).click();
    await expect.poll(order).toEqual(['BRK.A', 'MSFT', 'AAPL']);
    expect(await prefsPage.locator('th[aria-sort="descending"]').textContent()).toContain('Price');

    // Saved on the server: a reload (another device would too) shows the same table.
    await expect
      .poll(async () => (await prefsPage.request.get(`${t.baseUrl}/api/v1/preferences`)).json())
      .toEqual({
        watchlist: {
          columns: ['price', 'change', 'changePercent', 'marketCap', 'updated'],
          sort: { column: 'price', direction: 'desc' },
        },
      });
    await prefsPage.reload();
    await prefsPage.locator('tr[data-symbol="AAPL"]').waitFor();
    await expect
      .poll(headers)
      .toEqual(['SYMBOL', 'TODAY', 'PRICE▼', 'CHANGE', '%', 'MKT CAP', 'UPDATED', 'REMOVE']);
    await expect.poll(order).toEqual(['BRK.A', 'MSFT', 'AAPL']);
    await prefsPage.close();
  }, 60_000);

  it('shows "reconnecting" while Finnhub is down and live prices again when it is back, without a reload', async () => {
    await fake.start();
    finnhubApp = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      env: {
        ...fake.appEnv(),
        FINNHUB_WS_RECONNECT_MIN_MS: '100',
        FINNHUB_WS_RECONNECT_MAX_MS: '500',
      },
    });
    const live = await browser.newPage();
    await live.goto(finnhubApp.baseUrl);
    await createAccount(live, 'finnhub_user');
    await live.getByLabel('Symbol to add').fill('AAPL');
    await live.getByRole('button', { name: 'Add', exact: true }).click();
    await live.locator('.market-status').getByText('US market: pre-market').waitFor();
    const price = live.locator('tr[data-symbol="AAPL"]').getByTestId('price');
    await expect.poll(() => price.textContent()).toBe('$261.74');
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);

    fake.trade('AAPL', 262.15);
    await expect.poll(() => price.textContent()).toBe('$262.15');

    await fake.stop();
    await live.getByText('The market data feed is reconnecting').waitFor();
    await fake.start();
    await live
      .getByText('The market data feed is reconnecting')
      .waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    fake.trade('AAPL', 263.4);
    await expect.poll(() => price.textContent()).toBe('$263.40');
    await live.close();
  }, 60_000);

  it('says plainly when Finnhub refuses the server’s key, instead of "reconnecting"', async () => {
    if (!fake.url) await fake.start();
    const refused = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      env: {
        FINNHUB_API_KEY: 'a-key-finnhub-refuses',
        FINNHUB_API_URL: fake.url,
        FINNHUB_WS_URL: fake.wsUrl,
        FINNHUB_WS_RECONNECT_MIN_MS: '100',
        FINNHUB_WS_RECONNECT_MAX_MS: '500',
      },
    });
    try {
      const page = await browser.newPage();
      await page.goto(refused.baseUrl);
      await createAccount(page, 'refused_key_user');
      await page.getByText('the market data provider refused this server’s API key').waitFor();
      expect(await page.getByText('The market data feed is reconnecting').count()).toBe(0);
      await page.close();
    } finally {
      await refused.close();
    }
  }, 60_000);

  it('says where a price comes from and how late it is, next to the price, in the row and on the chart', async () => {
    // Quotes labelled as a delayed source's snapshots, then a real-time trade from another feed.
    const feed = new ScriptedFeed();
    feed.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    const labelled = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      market: { provider: new SimulatedMarket(5, systemClock), feed },
      env: { STREAM_INTERVAL_MS: '100' },
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(labelled.baseUrl);
      await createAccount(page, 'source_label_user');
      await page.getByLabel('Symbol to add').fill('AAPL');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      const price = page.locator('tr[data-symbol="AAPL"]').getByTestId('price');
      await expect.poll(() => price.textContent()).toMatch(/^\$\d/);
      feed.push('AAPL', 190.25, 188);
      await expect.poll(() => price.textContent()).toBe('$190.25');
      expect(await price.getAttribute('title')).toBe('Yahoo Finance, 15 min delayed');

      await page.getByRole('link', { name: /AAPL/ }).click();
      await expect.poll(() => page.getByTestId('stock-price').textContent()).toBe('$190.25');
      const label = page.getByTestId('price-source');
      await expect.poll(() => label.textContent()).toBe('Yahoo Finance, 15 min delayed');
      expect(await label.isVisible()).toBe(true);
      // Beside the price: in its column, right under it.
      const [priceBox, labelBox] = await Promise.all([
        page.getByTestId('stock-price').boundingBox(),
        label.boundingBox(),
      ]);
      expect(labelBox && priceBox && labelBox.y - (priceBox.y + priceBox.height)).toBeLessThan(40);
      expect(
        labelBox && priceBox && Math.abs(labelBox.x + labelBox.width - (priceBox.x + priceBox.width)),
      ).toBeLessThan(2);
      await expect
        .poll(() => page.getByTestId('chart-sources').textContent())
        .toBe('Past prices: Simulated market · Live: Yahoo Finance, 15 min delayed');

      // A trade from a real-time feed relabels the price as it streams in.
      feed.trade({ symbol: 'AAPL', price: 190.5, time: Date.now(), volume: 3, source: 'finnhub' });
      await expect.poll(() => page.getByTestId('stock-price').textContent()).toBe('$190.50');
      await expect.poll(() => label.textContent()).toBe('Finnhub, real time');
      await expect
        .poll(() => page.getByTestId('chart-sources').textContent())
        .toBe('Past prices: Simulated market · Live: Finnhub, real time');
      expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
      await page.close();
    } finally {
      await labelled.close();
    }
  }, 60_000);
});
