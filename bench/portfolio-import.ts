// npm run bench:portfolio-import -- [--rows N] [--symbols M] [--runs R] [--database-url postgres://...]
// A generated CSV of N transactions (default 10,000) over M symbols (200) in 3 currencies (USD, EUR,
// GBP into a USD account, the rates from stored daily forex closes) is previewed and committed
// through the real app in this process (PGlite in a temporary folder, or a database of its own on
// the PostgreSQL server given), R times (3), each into a fresh user's empty account: the median
// preview, commit and total times, as JSON on stdout. Target: preview + commit under 5 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { seededRandom, systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { openPglite, openPostgres } from '../src/db/open.js';
import { instruments, portfolioAccounts, priceBars } from '../src/db/schema.js';
import { createLogger } from '../src/logger.js';
import { createMarket } from '../src/market/providers/create-market.js';
import { benchDatabase, benchSymbols } from './support.js';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    symbols: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    'database-url': { type: 'string' },
  },
});
const ROWS = Number(flags.rows);
const SYMBOLS = Number(flags.symbols);
const RUNS = Number(flags.runs);
const TARGET_MS = 5000;
const DAY_MS = 86_400_000;
/** Five years of trading, ending well before today (no date is in the future). */
const FIRST_DAY = Date.UTC(2020, 0, 1);
const DAYS = 5 * 365;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const day = (offset: number) => new Date(FIRST_DAY + offset * DAY_MS).toISOString().slice(0, 10);

/**
 * The file: a deposit, then buys, sells of part of what is held (never more), dividends, fees and
 * interest over five years, each symbol in one of three currencies. The same file every run (seeded).
 */
function generateCsv(symbols: string[]): string {
  const random = seededRandom(2026);
  const currencies = ['USD', 'EUR', 'GBP'];
  const currencyOf = new Map(symbols.map((symbol, i) => [symbol, currencies[i % 3] ?? 'USD']));
  const held = new Map<string, number>();
  const lines = [
    'date,type,symbol,quantity,price,amount,fee,currency,note',
    `${day(0)},deposit,,,,1000000,0,USD,`,
  ];
  for (let i = 1; i < ROWS; i++) {
    const date = day(Math.floor((i / ROWS) * DAYS));
    const symbol = symbols[Math.floor(random() * symbols.length)] ?? 'B0000';
    const currency = currencyOf.get(symbol) ?? 'USD';
    const price = (20 + random() * 480).toFixed(2);
    const units = held.get(symbol) ?? 0;
    const pick = random();
    if (pick < 0.55 || units < 2) {
      const quantity = 1 + Math.floor(random() * 20);
      held.set(symbol, units + quantity);
      lines.push(`${date},buy,${symbol},${quantity},${price},,1,${currency},`);
    } else if (pick < 0.85) {
      const quantity = Math.max(1, Math.floor(units / 3));
      held.set(symbol, units - quantity);
      lines.push(`${date},sell,${symbol},${quantity},${price},,1,${currency},`);
    } else if (pick < 0.95) {
      lines.push(`${date},dividend,${symbol},,,${(random() * 50 + 1).toFixed(2)},0,${currency},`);
    } else if (pick < 0.98) {
      lines.push(`${date},fee,,,,2.50,0,USD,custody`);
    } else {
      lines.push(`${date},interest,,,,${(random() * 5 + 0.1).toFixed(2)},0,USD,`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The symbols described (as the instruments table holds what was looked up before) and daily forex closes. */
async function seed(database: DatabaseHandle, symbols: string[]): Promise<void> {
  await database.db
    .insert(instruments)
    .values(symbols.map((symbol) => ({ symbol, name: `Bench ${symbol}`, currency: 'USD' })));
  const bars = ['OANDA:EUR_USD', 'OANDA:GBP_USD'].flatMap((symbol, pair) =>
    Array.from({ length: DAYS + 1 }, (_, offset) => {
      const start = new Date(FIRST_DAY + offset * DAY_MS);
      const close = (pair === 0 ? 1.1 : 1.3) + Math.sin(offset / 50) / 20;
      return {
        symbol,
        resolution: '1d',
        start,
        open: close,
        high: close,
        low: close,
        close,
        volume: 0,
        firstAt: start,
        lastAt: start,
      };
    }),
  );
  for (let start = 0; start < bars.length; start += 1000) {
    await database.db.insert(priceBars).values(bars.slice(start, start + 1000));
  }
}

async function multipart(accountId: string, csv: string) {
  const data = new FormData();
  data.set('accountId', accountId);
  data.set('file', new Blob([csv]), 'bench.csv');
  const encoded = new Response(data);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type') ?? '',
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const serverUrl = flags['database-url'];
  const folder = mkdtempSync(join(tmpdir(), 'st-bench-import-'));
  const storage = await benchDatabase(serverUrl);
  const database = storage.url
    ? await openPostgres(storage.url)
    : await openPglite({ dataDir: join(folder, 'data') });
  try {
    const symbols = benchSymbols(SYMBOLS);
    await seed(database, symbols);
    const csv = generateCsv(symbols);
    const config = loadConfig({ NODE_ENV: 'test' });
    const logger = createLogger('warn');
    const app = await buildApp({
      config,
      database,
      logger,
      market: createMarket(config.market, systemClock, logger),
      limits: { perUserPerMinute: 1_000_000, perAddressPerMinute: 1_000_000 },
    });
    const runs: Array<{ previewMs: number; commitMs: number; totalMs: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      const register = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: {
          username: `importer${run}`,
          email: `importer${run}@example.com`,
          password: 'plover-quartz-harbour-91',
        },
      });
      const { user, csrfToken } = register.json() as { user: { id: string }; csrfToken: string };
      const cookie = register.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const [account] = await database.db
        .insert(portfolioAccounts)
        .values({ userId: user.id, name: 'Broker', currency: 'USD' })
        .returning({ id: portfolioAccounts.id });
      const upload = await multipart(account?.id ?? '', csv);
      const headers = { cookie, 'x-csrf-token': csrfToken };

      const started = performance.now();
      const preview = await app.inject({
        method: 'POST',
        url: '/api/v1/imports/preview',
        headers: { ...headers, 'content-type': upload.contentType },
        payload: upload.payload,
      });
      const previewed = performance.now();
      const body = preview.json() as { previewId: string; rows: unknown[]; errors: unknown[] };
      if (preview.statusCode !== 200 || body.errors.length > 0 || body.rows.length !== ROWS) {
        throw new Error(`preview answered ${preview.statusCode}: ${preview.body.slice(0, 500)}`);
      }
      const commit = await app.inject({
        method: 'POST',
        url: `/api/v1/imports/${body.previewId}/commit`,
        headers,
      });
      const committed = performance.now();
      if (commit.statusCode !== 200 || commit.json().imported !== ROWS) {
        throw new Error(`commit answered ${commit.statusCode}: ${commit.body.slice(0, 500)}`);
      }
      const result = {
        previewMs: Math.round(previewed - started),
        commitMs: Math.round(committed - previewed),
        totalMs: Math.round(committed - started),
      };
      log(`run ${run + 1}: ${JSON.stringify(result)}`);
      runs.push(result);
    }
    const stored = await database.db.execute(sql`select count(*)::int as n from transactions`);
    await app.close();
    const totalMs = median(runs.map((r) => r.totalMs));
    const summary = {
      params: {
        database: serverUrl ? 'postgres' : 'pglite',
        rows: ROWS,
        symbols: SYMBOLS,
        currencies: 3,
        fileBytes: Buffer.byteLength(csv),
        runs: RUNS,
      },
      medianMs: {
        preview: median(runs.map((r) => r.previewMs)),
        commit: median(runs.map((r) => r.commitMs)),
        total: totalMs,
      },
      runs,
      transactionsStored: (stored as unknown as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0,
      targets: { previewAndCommitUnder5s: totalMs < TARGET_MS },
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await database.close();
    await storage.drop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
