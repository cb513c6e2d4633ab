import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { InstrumentInfo, Quote } from '../../src/market/kernel/instruments.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import {
  axeViolations,
  browserAvailable,
  buildIfStale,
  createAccount,
  launchBrowser,
  recordPageProblems,
} from '../support/browser.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The long-task test's 200 holdings: more symbols than the simulated universe has, so made up here. */
const WIDE_SYMBOLS = Array.from({ length: 200 }, (_, i) => `LT${String(i + 1).padStart(3, '0')}`);
const isWide = (symbol: string) => /^LT\d{3}$/.test(symbol);

/** The simulated market, plus the LT001…LT200 instruments at 50 USD (the feed moves them). */
class WideMarket extends SimulatedMarket {
  override async getQuote(params: { symbol: string }): Promise<Quote | null> {
    if (!isWide(params.symbol)) return super.getQuote(params);
    return {
      symbol: params.symbol,
      price: 50,
      change: 0,
      changePercent: 0,
      open: 50,
      high: 50,
      low: 50,
      previousClose: 50,
      volume: null,
      time: Date.now(),
    };
  }
  override async describe(params: { symbol: string }): Promise<InstrumentInfo | null> {
    if (!isWide(params.symbol)) return super.describe(params);
    return {
      symbol: params.symbol,
      name: `Long Task ${params.symbol}`,
      exchange: 'US',
      currency: 'USD',
      type: 'Common Stock',
    };
  }
  override async history(params: { symbol: string }) {
    return isWide(params.symbol) ? { daily: [], minute: [] } : super.history(params);
  }
  override async keyMetrics(params: { symbol: string }) {
    return isWide(params.symbol)
      ? { week52High: null, week52Low: null, marketCap: null }
      : super.keyMetrics(params);
  }
  override async profile(params: { symbol: string }) {
    return isWide(params.symbol) ? null : super.profile(params);
  }
}

/** "$1,950.00" or "−$12.00" as a number. */
function amountOf(text: string | null): number {
  const cleaned = (text ?? '').replace(/[^0-9.−-]/g, '').replace('−', '-');
  return Number(cleaned);
}

describe.skipIf(!browserAvailable())('the portfolio in a real browser (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  const feed = new ScriptedFeed();

  beforeAll(async () => {
    buildIfStale();
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      webRoot: `${root}/dist/web`,
      market: { provider: new WideMarket(7, systemClock), feed },
      env: { STREAM_INTERVAL_MS: '250' },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('imports a CSV through the preview, shows the holding, and moves its value with the price', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = await recordPageProblems(page);
    await page.goto(t.baseUrl);
    await createAccount(page, 'portfolio_user');
    await page.getByRole('heading', { name: 'Watchlist' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Portfolio' }).click();
    await page.getByRole('heading', { name: 'Portfolio', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/portfolio');

    await page.getByLabel('Account name').fill('Broker');
    await page.getByRole('button', { name: 'Open account' }).click();
    await page.locator('li[data-account="Broker"]').waitFor();

    // A file with a bad row: the preview names its line and field, and nothing can be imported.
    const header = 'date,symbol,type,quantity,price,fee,currency';
    const rows = [
      '2026-01-05,AAPL,buy,10,100,1,USD',
      '2026-02-02,AAPL,buy,10,110,1,USD',
      '2026-03-02,AAPL,sell,5,120,1,USD',
    ];
    const wizard = page.locator('.import-wizard');
    await wizard.getByLabel('File', { exact: true }).setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([header, rows[0], '2026-01-06,AAPL,buy,-3,100,1,USD'].join('\n')),
    });
    await wizard.getByRole('button', { name: 'Preview' }).click();
    const errors = wizard.locator('.import-errors tbody tr');
    await errors.first().waitFor();
    expect(await errors.first().locator('td').first().textContent()).toBe('3');
    expect(await errors.first().locator('td').nth(1).textContent()).toMatch(/quantity/i);
    expect(await wizard.getByRole('button', { name: /Import \d+ transactions?/ }).isDisabled()).toBe(true);
    await wizard.getByRole('button', { name: 'Back' }).click();

    // The good file: three rows, none there yet; confirmed, the holding appears.
    await wizard.getByLabel('File', { exact: true }).setInputFiles({
      name: 'trades.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([header, ...rows].join('\n')),
    });
    await wizard.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => wizard.getByTestId('import-summary').textContent())
      .toBe('trades.csv: 3 rows read, 0 with errors, 0 already imported.');
    expect(await wizard.locator('.import-rows tbody tr').count()).toBe(3);
    await wizard.getByRole('button', { name: 'Import 3 transactions' }).click();
    await wizard.getByText('Imported 3 transactions.').waitFor();

    const row = page.locator('.holdings tr[data-symbol="AAPL"]');
    await row.waitFor();
    expect(await row.locator('td[data-column="quantity"]').textContent()).toBe('15');
    expect(await page.locator('.transactions tbody tr').count()).toBe(3);

    // The same file again: the preview says all three are there, and there is nothing to import.
    await wizard.getByRole('button', { name: 'Import another file' }).click();
    await wizard.getByLabel('File', { exact: true }).setInputFiles({
      name: 'trades.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([header, ...rows].join('\n')),
    });
    await wizard.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => wizard.getByTestId('import-summary').textContent())
      .toBe('trades.csv: 3 rows read, 0 with errors, 3 already imported.');
    expect(await wizard.getByRole('button', { name: 'Nothing new to import' }).isDisabled()).toBe(true);

    // The price moves on the feed: the row's value (15 × price) and the total follow, without a reload
    // (rows follow the ticks while on screen: the table is scrolled back into view).
    await row.scrollIntoViewIfNeeded();
    const value = row.locator('td[data-column="value"]');
    const total = page.getByTestId('portfolio-value');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    feed.push('AAPL', 130);
    await expect.poll(() => value.textContent(), { timeout: 10_000 }).toBe('$1,950.00');
    const before = amountOf(await total.textContent());
    feed.push('AAPL', 131.5);
    await expect.poll(() => value.textContent(), { timeout: 10_000 }).toBe('$1,972.50');
    await expect.poll(async () => amountOf(await total.textContent()) - before).toBeCloseTo(22.5, 6);
    expect(navigations).toEqual([]);

    // A transaction typed in: the server's reason shows under its field, then the fixed one is saved,
    // the holdings are read again, and it is deleted after the in-place confirmation.
    const transactions = page.locator('section[aria-labelledby="transactions-title"]');
    await transactions.getByRole('button', { name: 'Add transaction' }).click();
    const form = page.getByRole('form', { name: 'Add a transaction' });
    await form.getByLabel('Symbol').fill('MSFT');
    await form.getByLabel('Quantity').fill('-2');
    await form.getByLabel('Price').fill('300');
    await form.getByRole('button', { name: 'Add transaction' }).click();
    await expect.poll(() => form.getByLabel('Quantity').getAttribute('aria-invalid')).toBe('true');
    await form.getByText('Quantity must be more than 0.').waitFor();
    await form.getByLabel('Quantity').fill('2');
    await form.getByRole('button', { name: 'Add transaction' }).click();
    await page.locator('.holdings tr[data-symbol="MSFT"]').waitFor();
    await transactions
      .getByRole('button', { name: /^Delete the buy of / })
      .first()
      .click();
    await transactions.getByRole('button', { name: 'Delete for good' }).click();
    await page.locator('.holdings tr[data-symbol="MSFT"]').waitFor({ state: 'detached' });
    expect(await page.locator('.transactions tbody tr').count()).toBe(3);

    // A holding opens into what its figures came from.
    await row.getByRole('button', { name: /AAPL/ }).click();
    const detail = page.locator('.holding-detail');
    await detail.getByText('Price used').waitFor();
    await expect.poll(() => detail.locator('.holding-steps tbody tr').count()).toBe(3);

    expect(await axeViolations(page)).toEqual([]);

    // The stock's page shows the position and its transactions (and leaving the page with its chart
    // breaks nothing).
    await detail.getByRole('link', { name: "AAPL's page" }).click();
    const position = page.locator('section[aria-labelledby="position-title"]');
    await position.getByRole('heading', { name: 'Your position' }).waitFor();
    await expect.poll(() => position.getByTestId('position-value').textContent()).toMatch(/^\$[\d,]+\.\d\d$/);
    expect(await position.locator('.transaction-lines li').count()).toBe(3);
    // The browser logs the refused transaction's answer (400) as a failed load: that one is expected.
    expect(problems.filter((problem) => !problem.includes('status of 400 (Bad Request)'))).toEqual([]);
    await page.close();
  }, 45_000);

  let attempts = 0;
  // A wall-clock measurement: when the other test worker saturates this 2-core machine, a task of
  // the page can be stretched past 50 ms by waiting for a core (83 ms seen once in CI, 0 ms alone);
  // a real regression fails every attempt.
  it('keeps every task under 50 ms with 200 holdings and 4 price updates a second each', {
    retry: 2,
    timeout: 45_000,
  }, async () => {
    // 200 holdings seeded through the API, one buy of 10 at 50 USD each.
    const client = new TestClient(t.app);
    await client.register();
    const account = await client.request('POST', '/api/v1/accounts', { name: 'Wide', currency: 'USD' });
    expect(account.statusCode).toBe(201);
    const accountId = (account.json() as { account: { id: string } }).account.id;
    for (let i = 0; i < WIDE_SYMBOLS.length; i += 20) {
      const answers = await Promise.all(
        WIDE_SYMBOLS.slice(i, i + 20).map((symbol) =>
          client.request('POST', '/api/v1/transactions', {
            accountId,
            type: 'buy',
            symbol,
            quantity: '10',
            price: '50',
            fee: '0',
            currency: 'USD',
            date: '2026-01-05',
          }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual(answers.map(() => 201));
    }

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const [name, value] = (client.cookie ?? '').split('=');
    await context.addCookies([{ name: name ?? '', value: value ?? '', url: t.baseUrl }]);
    const page = await context.newPage();
    // Init scripts run outside the page's CSP: the longest task since `__resetLongest` is kept.
    await page.addInitScript(`
      window.__longest = 0;
      window.__resetLongest = () => { window.__longest = 0; };
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longest = Math.max(window.__longest, entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    `);
    await page.goto(`${t.baseUrl}/portfolio`);
    await expect.poll(() => page.locator('.holdings tbody tr').count(), { timeout: 20_000 }).toBe(200);
    // Measured once the page is drawn: the value chart (its library loads on demand) is the last part.
    await page.locator('.value-chart canvas').first().waitFor({ timeout: 20_000 });
    await sleep(500);
    await page.evaluate('window.__resetLongest()');

    // 5 seconds of every symbol moving every 250 ms (a retry starts one step further, so its last
    // prices are not the ones the attempt before left).
    attempts += 1;
    const total = page.getByTestId('portfolio-value');
    const first = await total.textContent();
    for (let round = 1; round <= 20; round++) {
      for (const [index, symbol] of WIDE_SYMBOLS.entries()) {
        feed.push(symbol, 50 + ((round + index + attempts) % 7) * 0.25, 50);
      }
      await sleep(250);
    }
    await expect.poll(() => total.textContent()).not.toBe(first);
    const longest = (await page.evaluate('window.__longest')) as number;
    process.stdout.write(
      `[portfolio] longest task during 20 rounds of 200 price updates: ${longest.toFixed(0)} ms\n`,
    );
    expect(longest).toBeLessThanOrEqual(50);
    // The observer does see long tasks: a busy 80 ms in a task of the page's own is one.
    await page.evaluate(
      'setTimeout(() => { const end = performance.now() + 80; while (performance.now() < end); }, 0)',
    );
    await expect.poll(() => page.evaluate('window.__longest') as Promise<number>).toBeGreaterThan(50);
    await context.close();
  });
});
