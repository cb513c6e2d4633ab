// Lighthouse (mobile: a mid-range phone on slow 4G, simulated) on the sign-in page and on a watchlist
// with a few symbols: the built app runs as its own process on the simulated market with PGlite in a
// temporary folder, on a free loopback port; Debian's Chromium runs headless, nothing leaves the machine.
// Each page is measured `--runs` times (3) in a fresh browser; the run with the median performance
// score is reported, with the scores of every run.
// Usage: npm run bench:lighthouse [-- --runs N --reports DIR] (DIR: every run's full Lighthouse report)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { buildIfStale, chromiumFlags, chromiumPath } from '../test/support/browser.js';
import { startAppProcess } from './support.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, reports: { type: 'string' } },
});
const runs = Number(values.runs);
const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'BRK.A'];

/** Registers a user through the API and fills their watchlist; answers their session cookie. */
async function signedInUser(url: string): Promise<string> {
  const registered = await fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: 'lighthouse',
      email: 'lighthouse@example.com',
      password: 'plover-quartz-harbour-91',
    }),
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const cookie = registered.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const { csrfToken } = (await registered.json()) as { csrfToken: string };
  for (const symbol of symbols) {
    const added = await fetch(`${url}/api/v1/watchlist`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ symbol }),
    });
    if (added.status !== 201) throw new Error(`adding ${symbol} answered ${added.status}`);
  }
  return cookie;
}

interface PageFigures {
  performance: number;
  accessibility: number;
  bestPractices: number;
  firstContentfulPaintMs: number;
  largestContentfulPaintMs: number;
  totalBlockingTimeMs: number;
  cumulativeLayoutShift: number;
  speedIndexMs: number;
  transferredKiB: number;
  runWarnings: string[];
}

async function measure(name: string, url: string, cookie?: string): Promise<PageFigures> {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? chromiumPath,
    chromeFlags: ['--headless=new', ...chromiumFlags],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      // Lighthouse clears the origin's cookies before it loads the page: the session goes in a header.
      extraHeaders: cookie ? { Cookie: cookie } : undefined,
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    if (values.reports) {
      mkdirSync(values.reports, { recursive: true });
      writeFileSync(join(values.reports, `${name}-${Date.now()}.json`), JSON.stringify(result.lhr));
    }
    const { categories, audits, runWarnings, runtimeError } = result.lhr;
    if (runtimeError) throw new Error(`Lighthouse failed on ${url}: ${runtimeError.message}`);
    const value = (id: string) => Math.round((audits[id]?.numericValue ?? Number.NaN) * 1000) / 1000;
    return {
      performance: categories.performance?.score ?? 0,
      accessibility: categories.accessibility?.score ?? 0,
      bestPractices: categories['best-practices']?.score ?? 0,
      firstContentfulPaintMs: Math.round(value('first-contentful-paint')),
      largestContentfulPaintMs: Math.round(value('largest-contentful-paint')),
      totalBlockingTimeMs: Math.round(value('total-blocking-time')),
      cumulativeLayoutShift: value('cumulative-layout-shift'),
      speedIndexMs: Math.round(value('speed-index')),
      transferredKiB: Math.round(value('total-byte-weight') / 1024),
      runWarnings,
    };
  } finally {
    chrome.kill();
  }
}

async function medianRun(name: string, url: string, cookie?: string) {
  const measured: PageFigures[] = [];
  // On a busy machine Lighthouse now and then loses the trace (NO_NAVSTART) and asks to run again.
  for (let attempt = 0; measured.length < runs; attempt++) {
    try {
      measured.push(await measure(name, url, cookie));
    } catch (error) {
      if (attempt >= 2 * runs) throw error;
      console.error(`${name}: ${(error as Error).message}; running it again`);
    }
  }
  const byScore = [...measured].sort((a, b) => a.performance - b.performance);
  return {
    performanceScores: measured.map((run) => run.performance),
    median: byScore[Math.floor(byScore.length / 2)],
  };
}

buildIfStale();
const dataDir = mkdtempSync(join(tmpdir(), 'st-lighthouse-'));
const { server, url } = await startAppProcess({ dataDir, databaseUrl: '' });
try {
  const cookie = await signedInUser(url);
  const signIn = await medianRun('sign-in', `${url}/`);
  const watchlist = await medianRun('watchlist', `${url}/`, cookie);
  console.log(
    JSON.stringify(
      {
        lighthouse: 'mobile (simulated slow 4G, 4x CPU slowdown), Debian Chromium headless',
        runs,
        watchlistSymbols: symbols,
        signIn,
        watchlist,
      },
      null,
      2,
    ),
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
