import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Bar } from '../market/kernel/instruments.js';
import { DAY_MS, utcDayStart } from '../market/kernel/periods.js';
import { type Delay, isSourceId, type SourceId } from '../market/kernel/sources.js';
import {
  backfillSource,
  deleteMinuteBarsBefore,
  loadBars,
  loadCombinedBars,
  loadSparklines,
  recentTradingDays,
} from './history.repository.js';
import type { HistoryRange, HistoryResolution } from './history.schemas.js';
import type { HistoryBackfill } from './history-backfill.js';

/** 1-minute bars are kept this long; daily bars for good. */
const MINUTE_BAR_RETENTION_MS = 30 * DAY_MS;

/** Calendar days back from today for the ranges drawn from daily bars. */
const DAILY_RANGE_DAYS: Record<'1m' | '6m' | '1y' | '5y', number> = {
  '1m': 31,
  '6m': 183,
  '1y': 366,
  '5y': 5 * 366,
};

interface Bars {
  resolution: HistoryResolution;
  bars: Bar[];
}

export interface History extends Bars {
  /**
   * Where the bars loaded when the symbol was first watched came from, and how far behind the market
   * they are; null when none were loaded (a plan without past prices: every bar was recorded here).
   */
  past: { source: SourceId; delay: Delay | null } | null;
}

/**
 * Price history per range, at a resolution that gives a readable chart: the last trading day in
 * 1-minute bars, the last five in 5-minute bars, months in daily bars, five years in weekly bars.
 * Intraday ranges count trading days (days with a daily bar), so a weekend still shows Friday.
 */
export class HistoryService {
  constructor(
    private readonly db: Database,
    private readonly backfill: HistoryBackfill,
    private readonly clock: Clock,
  ) {}

  async history(symbol: string, range: HistoryRange): Promise<History> {
    await this.backfill.ensure(symbol);
    const [bars, loadedFrom] = await Promise.all([this.bars(symbol, range), backfillSource(this.db, symbol)]);
    if (loadedFrom === null || !isSourceId(loadedFrom)) return { ...bars, past: null };
    // The backfill keeps only days that closed before today, so daily and weekly bars from any source
    // are end-of-day figures; bars of minutes long past have no delay worth telling.
    const daily = bars.resolution === '1d' || bars.resolution === '1w';
    return { ...bars, past: { source: loadedFrom, delay: daily ? 'end_of_day' : null } };
  }

  private async bars(symbol: string, range: HistoryRange): Promise<Bars> {
    if (range === '1d' || range === '5d') {
      const days = await recentTradingDays(this.db, symbol, range === '1d' ? 1 : 5);
      const from = days[days.length - 1];
      if (from === undefined) return { resolution: range === '1d' ? '1m' : '5m', bars: [] };
      return range === '1d'
        ? { resolution: '1m', bars: await loadBars(this.db, symbol, '1m', from) }
        : { resolution: '5m', bars: await loadCombinedBars(this.db, symbol, 'minutes5', from) };
    }
    const from = utcDayStart(this.clock.now()) - DAILY_RANGE_DAYS[range] * DAY_MS;
    return range === '5y'
      ? { resolution: '1w', bars: await loadCombinedBars(this.db, symbol, 'weeks', from) }
      : { resolution: '1d', bars: await loadBars(this.db, symbol, '1d', from) };
  }

  /** The latest trading day per symbol in 15-minute closes, for a watchlist's sparklines. */
  async sparklines(symbols: string[]): Promise<Record<string, number[]>> {
    await Promise.all(symbols.map((symbol) => this.backfill.ensure(symbol)));
    return Object.fromEntries(await loadSparklines(this.db, symbols));
  }

  /** Drops 1-minute bars past their retention; returns how many went. */
  pruneMinuteBars(): Promise<number> {
    return deleteMinuteBarsBefore(this.db, this.clock.now() - MINUTE_BAR_RETENTION_MS);
  }
}
