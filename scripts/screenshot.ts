// Renders the README's screenshots (watchlist and stock page): a fresh app on PGlite with the simulated market, a user
// with a few symbols, captured by headless Chromium in light and dark colour schemes.
// Usage: npm run screenshot
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/open.js';
import { createLogger } from '../src/logger.js';
import { createMarket } from '../src/market/providers/create-market.js';

const root = fileURLToPath(new URL('..', import.meta.url));
spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });

const config = loadConfig({ NODE_ENV: 'test' });
const logger = createLogger('warn');
const database = await openPglite({ dataDir: mkdtempSync(join(tmpdir(), 'st-shot-')) });
const app = await buildApp({
  config,
  database,
  logger,
  market: createMarket(config.market, systemClock, logger),
  webRoot: join(root, 'dist/web'),
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-sync',
  ],
});
let sessionCookies: Awaited<ReturnType<import('playwright-core').BrowserContext['cookies']>> = [];
for (const scheme of ['light', 'dark'] as const) {
  const page = await browser.newPage({ viewport: { width: 900, height: 560 }, colorScheme: scheme });
  await page.goto(url);
  if (scheme === 'light') {
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Email').fill('demo@example.com');
    await page.getByLabel('Password').fill('plover-quartz-harbour-91');
    await page.getByRole('button', { name: 'Create account' }).last().click();
    for (const symbol of ['AAPL', 'MSFT', 'NVDA', 'VOD.L', '7203.T', 'BINANCE:BTCUSDT', 'OANDA:EUR_USD']) {
      await page.getByLabel('Symbol to add').fill(symbol);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.locator(`tr[data-symbol="${symbol}"]`).waitFor();
    }
    sessionCookies = await page.context().cookies();
    // Sparklines come with the watchlist's load.
    await page.reload();
  } else {
    await page.context().addCookies(sessionCookies);
    await page.goto(url);
  }
  await page.getByRole('heading', { name: 'Watchlist' }).waitFor();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: join(root, 'docs', `screenshot-${scheme}.png`) });
  await page.setViewportSize({ width: 900, height: 820 });
  await page.getByRole('link', { name: /AAPL/ }).click();
  await page.getByTestId('chart-legend').getByText(/^O /).waitFor();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: join(root, 'docs', `screenshot-stock-${scheme}.png`) });
  await page.close();
}
await browser.close();
await app.close();
await database.close();
console.log('wrote docs/screenshot-{light,dark}.png and docs/screenshot-stock-{light,dark}.png');
