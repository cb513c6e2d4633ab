// npm run bench:portfolio -- [--transactions N] [--symbols M] [--years Y] [--runs R]
//                            [--database-url postgres://...]
// The portfolio's figures over a large ledger: N transactions (10,000) over M symbols (200) in three
// currencies (USD, EUR and GBP accounts and symbols; forex pairs OANDA:EUR_USD and OANDA:GBP_USD),
// over Y years (5) ending yesterday, with a daily close on every weekday for every symbol and pair,
// all written to a real database (PGlite in a temporary folder, or a database of its own on the
// PostgreSQL server given). Generated from a fixed seed: every run measures the same ledger.
// Each step runs R times (5) after one warm-up run; the median is reported in ms against its target:
// loading the ledger and closes, the daily value series over the whole ledger, TWR and XIRR, and
// GET /performance?range=all and ?range=1y end to end through app.inject. JSON on stdout, progress
// on stderr.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { seededRandom, systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { type DatabaseHandle, selectRows } from '../src/db/database.js';
import { openPglite, openPostgres } from '../src/db/open.js';
import { portfolioAccounts } from '../src/db/schema.js';
import { replaceBars } from '../src/history/history.repository.js';
import { createLogger } from '../src/logger.js';
import { createMarket } from '../src/market/providers/create-market.js';
import { insertTransactions } from '../src/portfolio/ledger.repository.js';
import { loadPerformanceInputs } from '../src/portfolio/performance/performance.service.js';
import type { PerformanceInputs } from '../src/portfolio/performance/performance-report.js';
import { addDays, dayNumber, utcDate } from '../src/portfolio/performance/performance-window.js';
import { moneyWeightedFlows, timeWeightedReturn, xirr } from '../src/portfolio/performance/returns.js';
import { type ValueSeries, valueSeries } from '../src/portfolio/performance/value-series.js';
import type { TransactionInput } from '../src/portfolio/portfolio.schemas.js';
import { benchDatabase } from './support.js';

const { values: flags } = parseArgs({
  options: {
    transactions: { type: 'string', default: '10000' },
    symbols: { type: 'string', default: '200' },
    years: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
    /** A PostgreSQL server (postgres://.../anydb): the bench creates and drops its own database there. */
    'database-url': { type: 'string' },
  },
});
const N = Number(flags.transactions);
const M = Number(flags.symbols);
const YEARS = Number(flags.years);
const RUNS = Number(flags.runs);
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
type Currency = (typeof CURRENCIES)[number];
const FX_PAIRS: Record<Exclude<Currency, 'USD'>, { symbol: string; start: number }> = {
  EUR: { symbol: 'OANDA:EUR_USD', start: 1.1 },
  GBP: { symbol: 'OANDA:GBP_USD', start: 1.27 },
};

const today = utcDate(Date.now());
const firstDay = addDays(today, -Math.round(YEARS * 365.25));
const lastDay = addDays(today, -1);
const days = Array.from({ length: dayNumber(lastDay) - dayNumber(firstDay) + 1 }, (_, i) =>
  addDays(firstDay, i),
);
const weekday = (date: string) => ![0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

const round = (value: number, places: number) => Number(value.toFixed(places));

/** A random walk of weekday closes per symbol (and per forex pair): the day's close by date. */
function walk(random: () => number, start: number, step: number, places: number): Map<string, number> {
  const closes = new Map<string, number>();
  let price = start;
  for (const date of days) {
    if (!weekday(date)) continue;
    price *= 1 + (random() - 0.5) * step;
    closes.set(date, round(price, places));
  }
  return closes;
}

/** The close in effect on `date`: the latest at or before it. */
function closeOn(closes: Map<string, number>, date: string): number {
  for (let day = date; day >= firstDay; day = addDays(day, -1)) {
    const close = closes.get(day);
    if (close !== undefined) return close;
  }
  return [...closes.values()][0] ?? 1;
}

interface Market {
  symbols: Array<{ symbol: string; currency: Currency; closes: Map<string, number> }>;
  fx: Map<Currency, Map<string, number>>;
}

function generateMarket(): Market {
  const random = seededRandom(1212);
  const symbols = Array.from({ length: M }, (_, i) => ({
    symbol: `P${String(i).padStart(4, '0')}`,
    currency: CURRENCIES[i % 3] as Currency,
    closes: walk(random, 20 + random() * 480, 0.04, 2),
  }));
  const fx = new Map<Currency, Map<string, number>>([
    ['EUR', walk(random, FX_PAIRS.EUR.start, 0.01, 5)],
    ['GBP', walk(random, FX_PAIRS.GBP.start, 0.01, 5)],
  ]);
  return { symbols, fx };
}

/** US dollars one unit of `currency` buys on `date`. */
function usdRate(market: Market, currency: Currency, date: string): number {
  const closes = market.fx.get(currency);
  return closes ? closeOn(closes, date) : 1;
}

/**
 * N transactions in date order: a deposit opening each account, then buys (60 %), sells of half a
 * holding (18 %), dividends, fees, interest, deposits, withdrawals and a few 2:1 splits; a trade in
 * another currency than its account's carries its own rate every other time (else the day's is used).
 */
function generateLedger(
  market: Market,
  accounts: Array<{ id: string; currency: Currency }>,
): TransactionInput[] {
  const random = seededRandom(2024);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const held = new Map<
    string,
    { account: (typeof accounts)[number]; symbol: Market['symbols'][number]; units: number }
  >();
  const inputs: TransactionInput[] = accounts.map((account) => ({
    accountId: account.id,
    type: 'deposit',
    amount: '1000000',
    currency: account.currency,
    date: firstDay,
  }));
  const fxRate = (from: Currency, to: Currency, date: string) =>
    from === to || random() < 0.5
      ? undefined
      : String(round(usdRate(market, from, date) / usdRate(market, to, date), 6));
  for (let i = inputs.length; i < N; i++) {
    const date = days[Math.floor((i / N) * days.length)] as string;
    const roll = random();
    const positions = [...held.values()].filter((position) => position.units > 0);
    if (roll < 0.6 || positions.length === 0) {
      const account = pick(accounts);
      const symbol = pick(market.symbols);
      const quantity = 1 + Math.floor(random() * 50);
      const price = closeOn(symbol.closes, date);
      const key = `${account.id}:${symbol.symbol}`;
      const position = held.get(key) ?? { account, symbol, units: 0 };
      position.units += quantity;
      held.set(key, position);
      inputs.push({
        accountId: account.id,
        type: 'buy',
        symbol: symbol.symbol,
        quantity: String(quantity),
        price: String(price),
        fee: '1',
        currency: symbol.currency,
        date,
        fxRate: fxRate(symbol.currency, account.currency, date),
      });
      continue;
    }
    const position = pick(positions);
    const { account, symbol } = position;
    const base = { accountId: account.id, date };
    if (roll < 0.78) {
      const quantity = Math.max(1, Math.floor(position.units / 2));
      position.units -= quantity;
      inputs.push({
        ...base,
        type: 'sell',
        symbol: symbol.symbol,
        quantity: String(quantity),
        price: String(closeOn(symbol.closes, date)),
        fee: '1',
        currency: symbol.currency,
        fxRate: fxRate(symbol.currency, account.currency, date),
      });
    } else if (roll < 0.86) {
      const amount = round(position.units * closeOn(symbol.closes, date) * 0.005, 2);
      inputs.push({
        ...base,
        type: 'dividend',
        symbol: symbol.symbol,
        amount: String(Math.max(0.01, amount)),
        tax: String(round(amount * 0.15, 2)),
        currency: symbol.currency,
        fxRate: fxRate(symbol.currency, account.currency, date),
      });
    } else if (roll < 0.998) {
      const type = roll < 0.89 ? 'fee' : roll < 0.92 ? 'interest' : roll < 0.96 ? 'deposit' : 'withdrawal';
      const amount = type === 'fee' ? 5 : type === 'interest' ? 20 : 1000 + Math.floor(random() * 20_000);
      inputs.push({ ...base, type, amount: String(amount), currency: account.currency });
    } else {
      position.units *= 2;
      inputs.push({ ...base, type: 'split', symbol: symbol.symbol, ratio: '2:1', currency: symbol.currency });
    }
  }
  return inputs;
}

async function seed(database: DatabaseHandle, userId: string, market: Market): Promise<number> {
  let bars = 0;
  const store = async (symbol: string, closes: Map<string, number>) => {
    bars += closes.size;
    await replaceBars(
      database.db,
      symbol,
      '1d',
      [...closes].map(([date, close]) => ({
        time: Date.parse(`${date}T00:00:00Z`),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1000,
      })),
    );
  };
  for (const { symbol, closes } of market.symbols) await store(symbol, closes);
  for (const [currency, closes] of market.fx) await store(FX_PAIRS[currency as 'EUR' | 'GBP'].symbol, closes);
  const accounts = await database.db
    .insert(portfolioAccounts)
    .values(CURRENCIES.map((currency) => ({ userId, name: `Bench ${currency}`, currency })))
    .returning({ id: portfolioAccounts.id, currency: portfolioAccounts.currency });
  const inputs = generateLedger(
    market,
    accounts.map((account) => ({ id: account.id, currency: account.currency as Currency })),
  );
  await insertTransactions(database.db, userId, inputs);
  return bars;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** One measured step: run once to warm up, then RUNS times; the median against the target. */
interface Step {
  name: string;
  targetMs: number | null;
  /** Done before each run, outside the time measured. */
  before?: () => Promise<unknown>;
  run: () => Promise<unknown> | unknown;
}

async function measure(step: Step) {
  await step.before?.();
  await step.run();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await step.before?.();
    const started = performance.now();
    await step.run();
    runs.push(Number((performance.now() - started).toFixed(1)));
  }
  const ms = Number(median(runs).toFixed(1));
  log(`${step.name}: median ${ms} ms (${runs.join(', ')})`);
  return {
    runs,
    medianMs: ms,
    targetMs: step.targetMs,
    met: step.targetMs === null ? null : ms < step.targetMs,
  };
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'st-bench-portfolio-'));
  const serverUrl = flags['database-url'];
  const own = await benchDatabase(serverUrl);
  const database = own.url
    ? await openPostgres(own.url)
    : await openPglite({ dataDir: join(folder, 'data') });
  try {
    const config = loadConfig({ NODE_ENV: 'test' });
    const logger = createLogger('warn');
    const app = await buildApp({
      config,
      database,
      logger,
      market: createMarket(config.market, systemClock, logger),
      limits: { perUserPerMinute: 1_000_000, perAddressPerMinute: 1_000_000 },
    });
    const register = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        username: 'investor',
        email: 'investor@example.com',
        password: `bench-${randomBytes(8).toString('hex')}-harbour-91`,
      },
    });
    const userId = (register.json() as { user: { id: string } }).user.id;
    const cookie = register.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

    log(`generating ${N} transactions over ${M} symbols and ${days.length} days`);
    const market = generateMarket();
    const seeded = performance.now();
    const bars = await seed(database, userId, market);
    log(
      `seeded ${N} transactions and ${bars} daily bars in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
    );

    let inputs = (await loadPerformanceInputs(database.db, userId, 'all', today)) as PerformanceInputs;
    const from = inputs.transactions[0]?.date ?? firstDay;
    let series: ValueSeries = valueSeries({ ...inputs, from, to: today });
    let figures = { twr: '', mwr: '' };
    const answers: Record<string, { points: number; twr: string | null; mwr: string | null }> = {};

    const holdings = async () => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/holdings', headers: { cookie } });
      if (response.statusCode !== 200)
        throw new Error(`holdings answered ${response.statusCode}: ${response.body}`);
      heldSymbols = response.json().holdings.length;
    };
    let heldSymbols = 0;
    const [usdAccountRow] = await selectRows<{ id: string }>(
      database.db,
      sql`select id from portfolio_accounts where user_id = ${userId} and currency = 'USD'`,
    );
    const usdAccount = usdAccountRow?.id ?? '';

    // The measured steps, in order; each later one reuses what the earlier ones made.
    const steps: Step[] = [
      {
        name: 'load ledger and closes',
        targetMs: null,
        run: async () => {
          inputs = (await loadPerformanceInputs(database.db, userId, 'all', today)) as PerformanceInputs;
        },
      },
      {
        name: 'value series, whole ledger, daily',
        targetMs: 300,
        run: () => {
          series = valueSeries({ ...inputs, from, to: today });
        },
      },
      {
        name: 'TWR and XIRR',
        targetMs: 100,
        run: () => {
          const twr = timeWeightedReturn(series);
          const mwr = xirr(moneyWeightedFlows(series));
          figures = { twr: twr?.times(100).toFixed(4) ?? 'null', mwr: mwr?.times(100).toFixed(4) ?? 'null' };
        },
      },
      {
        name: 'GET /holdings (replay kept)',
        targetMs: 50,
        run: () => holdings(),
      },
      {
        // A transaction added after the others (written as another instance would): the kept
        // replay is continued by it.
        name: 'GET /holdings after a new transaction (the kept replay continued)',
        targetMs: 50,
        before: () =>
          insertTransactions(database.db, userId, [
            { accountId: usdAccount, type: 'deposit', amount: '100', currency: 'USD', date: today },
          ]),
        run: () => holdings(),
      },
      {
        // An account changed (as any edit of an earlier transaction is): the whole ledger is read
        // and replayed again.
        name: 'GET /holdings after an edit (the whole ledger replayed)',
        targetMs: null,
        before: () =>
          database.db.execute(
            sql`update portfolio_accounts set updated_at = clock_timestamp() where user_id = ${userId}`,
          ),
        run: () => holdings(),
      },
      ...(['all', '1y'] as const).map((range) => ({
        name: `GET /performance?range=${range}`,
        targetMs: null,
        run: async () => {
          const response = await app.inject({
            method: 'GET',
            url: `/api/v1/performance?range=${range}`,
            headers: { cookie },
          });
          if (response.statusCode !== 200)
            throw new Error(`performance answered ${response.statusCode}: ${response.body}`);
          const body = response.json();
          answers[range] = {
            points: body.series.length,
            twr: body.timeWeightedReturn,
            mwr: body.moneyWeightedReturn,
          };
        },
      })),
    ];
    const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const step of steps) results[step.name] = await measure(step);
    await app.close();

    const summary = {
      params: {
        database: serverUrl ? 'postgres' : 'pglite',
        transactions: inputs.transactions.length,
        symbols: M,
        currencies: CURRENCIES,
        from,
        to: today,
        dailyBars: bars,
        seriesPoints: series.points.length,
        heldSymbols,
        externalFlows: series.points.filter((point) => !point.netFlow.isZero()).length,
        runs: RUNS,
      },
      stepsMs: results,
      figures: {
        timeWeightedReturnPercent: figures.twr,
        moneyWeightedReturnPercent: figures.mwr,
        route: answers,
      },
      targets: Object.fromEntries(
        Object.entries(results)
          .filter(([, result]) => result.targetMs !== null)
          .map(([name, result]) => [`${name} < ${result.targetMs} ms`, result.met]),
      ),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await database.close();
    await own.drop();
    rmSync(folder, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
