import { and, asc, desc, eq, gte, type SQL, sql } from 'drizzle-orm';
import { type Database, selectRows } from '../db/database.js';
import { historyBackfills, priceBars } from '../db/schema.js';
import type { Bar } from '../market/kernel/instruments.js';
import { DAY_MS, MINUTE_MS } from '../market/kernel/periods.js';
import type { PartialBar, StoredResolution } from './bars.js';

const existing = (column: string) => sql.raw(`"price_bars"."${column}"`);

/**
 * Merges bars gathered since the last flush into the stored ones: the earlier first tick keeps the
 * open, the later last tick sets the close, volumes add up.
 */
export function mergeBars(db: Database, bars: PartialBar[]): Promise<void> {
  return upsertBars(
    db,
    bars,
    sql`open = case when excluded.first_at < ${existing('first_at')} then excluded.open else ${existing('open')} end,
      close = case when excluded.last_at >= ${existing('last_at')} then excluded.close else ${existing('close')} end,
      high = greatest(${existing('high')}, excluded.high),
      low = least(${existing('low')}, excluded.low),
      volume = ${existing('volume')} + excluded.volume,
      first_at = least(${existing('first_at')}, excluded.first_at),
      last_at = greatest(${existing('last_at')}, excluded.last_at)`,
  );
}

/** Stores complete bars from a provider, replacing what was there for the same periods. */
export function replaceBars(
  db: Database,
  symbol: string,
  resolution: StoredResolution,
  bars: Bar[],
): Promise<void> {
  const length = resolution === '1m' ? MINUTE_MS : DAY_MS;
  const complete = bars.map((bar) => ({
    ...bar,
    symbol,
    resolution,
    start: bar.time,
    firstAt: bar.time,
    lastAt: bar.time + length - 1,
  }));
  return upsertBars(
    db,
    complete,
    sql`open = excluded.open, close = excluded.close, high = excluded.high, low = excluded.low,
      volume = excluded.volume, first_at = excluded.first_at, last_at = excluded.last_at`,
  );
}

/**
 * Inserts bars, updating a stored bar of the same period with `set`, in one statement whatever the
 * count: each column is one array parameter, unnested into rows by the database, instead of ten
 * parameters a row built by the query builder (the last flush wrote 1,000 bars every 5 s).
 */
async function upsertBars(db: Database, bars: PartialBar[], set: SQL): Promise<void> {
  if (bars.length === 0) return;
  const column = <T>(value: (bar: PartialBar) => T) => sql.param(bars.map(value));
  // Instants as ISO text: exact to the millisecond on both drivers, as the query builder sent them.
  const instant = (value: (bar: PartialBar) => number) => column((bar) => new Date(value(bar)).toISOString());
  await db.execute(sql`
    insert into price_bars (symbol, resolution, start, open, high, low, close, volume, first_at, last_at)
    select * from unnest(
      ${column((bar) => bar.symbol)}::text[], ${column((bar) => bar.resolution)}::text[],
      ${instant((bar) => bar.start)}::timestamptz[],
      ${column((bar) => bar.open)}::float8[], ${column((bar) => bar.high)}::float8[],
      ${column((bar) => bar.low)}::float8[], ${column((bar) => bar.close)}::float8[],
      ${column((bar) => bar.volume)}::float8[],
      ${instant((bar) => bar.firstAt)}::timestamptz[], ${instant((bar) => bar.lastAt)}::timestamptz[]
    )
    on conflict (symbol, resolution, start) do update set ${set}`);
}

/** Stored bars of one resolution from `from` on, oldest first. */
export async function loadBars(
  db: Database,
  symbol: string,
  resolution: StoredResolution,
  from: number,
): Promise<Bar[]> {
  const rows = await db
    .select({
      start: priceBars.start,
      open: priceBars.open,
      high: priceBars.high,
      low: priceBars.low,
      close: priceBars.close,
      volume: priceBars.volume,
    })
    .from(priceBars)
    .where(
      and(
        eq(priceBars.symbol, symbol),
        eq(priceBars.resolution, resolution),
        gte(priceBars.start, new Date(from)),
      ),
    )
    .orderBy(asc(priceBars.start));
  return rows.map(({ start, ...bar }) => ({ time: start.getTime(), ...bar }));
}

/**
 * Stored bars from `from` on, combined into longer bars: `minutes5` groups 1-minute bars into
 * 5-minute ones, `weeks` daily bars into ISO weeks (Monday, UTC).
 */
export async function loadCombinedBars(
  db: Database,
  symbol: string,
  grouping: 'minutes5' | 'weeks',
  from: number,
): Promise<Bar[]> {
  const resolution: StoredResolution = grouping === 'minutes5' ? '1m' : '1d';
  const period =
    grouping === 'minutes5'
      ? sql`floor(extract(epoch from start) / 300) * 300`
      : sql`extract(epoch from date_trunc('week', start at time zone 'UTC'))`;
  const rows = await selectRows<Record<'t' | 'open' | 'high' | 'low' | 'close' | 'volume', number>>(
    db,
    sql`
    select (${period})::float8 as t,
      (array_agg(open order by start))[1] as open, max(high) as high, min(low) as low,
      (array_agg(close order by start desc))[1] as close, sum(volume) as volume
    from price_bars
    where symbol = ${symbol} and resolution = ${resolution} and start >= ${new Date(from).toISOString()}
    group by 1 order by 1`,
  );
  return rows.map((row) => ({
    time: Number(row.t) * 1000,
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
  }));
}

/** Starts of the `count` most recent days with a daily bar, newest first. */
export async function recentTradingDays(db: Database, symbol: string, count: number): Promise<number[]> {
  const rows = await db
    .select({ start: priceBars.start })
    .from(priceBars)
    .where(and(eq(priceBars.symbol, symbol), eq(priceBars.resolution, '1d')))
    .orderBy(desc(priceBars.start))
    .limit(count);
  return rows.map((row) => row.start.getTime());
}

/** Drops 1-minute bars older than `before`; daily bars are kept. Returns how many went. */
export async function deleteMinuteBarsBefore(db: Database, before: number): Promise<number> {
  const [deleted] = await selectRows<{ n: number }>(
    db,
    sql`
    with deleted as (
      delete from price_bars where resolution = '1m' and start < ${new Date(before).toISOString()} returning 1
    )
    select count(*)::int as n from deleted`,
  );
  return deleted?.n ?? 0;
}

export async function isBackfilled(db: Database, symbol: string): Promise<boolean> {
  const rows = await db
    .select({ symbol: historyBackfills.symbol })
    .from(historyBackfills)
    .where(eq(historyBackfills.symbol, symbol));
  return rows.length > 0;
}

/** The source a symbol's past bars were loaded from (as `markBackfilled` recorded it); null when never loaded. */
export async function backfillSource(db: Database, symbol: string): Promise<string | null> {
  const [row] = await db
    .select({ source: historyBackfills.source })
    .from(historyBackfills)
    .where(eq(historyBackfills.symbol, symbol));
  return row?.source ?? null;
}

export async function markBackfilled(
  db: Database,
  symbol: string,
  source: string,
  at: number,
): Promise<void> {
  await db
    .insert(historyBackfills)
    .values({ symbol, source, completedAt: new Date(at) })
    .onConflictDoNothing();
}

/**
 * For each symbol, the closes of its latest trading day in 15-minute steps (at most 96 points): one
 * query for a whole watchlist.
 */
export async function loadSparklines(db: Database, symbols: string[]): Promise<Map<string, number[]>> {
  const lines = new Map<string, number[]>();
  if (symbols.length === 0) return lines;
  const list = sql.join(
    symbols.map((symbol) => sql`${symbol}`),
    sql`, `,
  );
  const rows = await selectRows<{ symbol: string; close: number }>(
    db,
    sql`
    with latest as (
      select symbol, max(start) as day from price_bars
      where resolution = '1d' and symbol in (${list}) group by symbol
    )
    select p.symbol, floor(extract(epoch from p.start) / 900)::float8 as slot,
      (array_agg(p.close order by p.start desc))[1] as close
    from price_bars p join latest on p.symbol = latest.symbol
    where p.resolution = '1m' and p.start >= latest.day
    group by 1, 2 order by 1, 2`,
  );
  for (const row of rows) {
    const line = lines.get(row.symbol) ?? [];
    line.push(Number(row.close));
    lines.set(row.symbol, line);
  }
  return lines;
}
