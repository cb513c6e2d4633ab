import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ProviderError } from '../errors.js';
import type { ProviderHistory } from '../market/kernel/instruments.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import { SingleFlight } from '../single-flight.js';
import { minuteBarsAsDay, periodStart } from './bars.js';
import { isBackfilled, markBackfilled, mergeBars, replaceBars } from './history.repository.js';

/**
 * Loads a symbol's past bars from the provider once, the first time it is watched or charted: from
 * the first history source that has them (Yahoo Finance, Binance, Finnhub's candles where the key
 * has access, Alpha Vantage), or the simulated market's generated year. A symbol no source may give
 * past bars for is not asked again while the process runs: its chart is built from the prices the
 * app records itself.
 */
export class HistoryBackfill {
  private deniedLogged = false;
  private readonly runs = new SingleFlight<void>();
  /** Symbols known to be done, so a chart request does not ask the database every time. */
  private readonly done = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly provider: MarketDataProvider,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Backfills `symbol` unless done before; never rejects (history is never worth failing a request). */
  ensure(symbol: string): Promise<void> {
    if (this.done.has(symbol)) return Promise.resolve();
    return this.runs.run(symbol, () =>
      this.run(symbol).catch((error: Error) => {
        this.logger.warn({ symbol, reason: error.message }, 'loading past prices failed; will retry later');
      }),
    );
  }

  private async run(symbol: string): Promise<void> {
    if (await isBackfilled(this.db, symbol)) {
      this.done.add(symbol);
      return;
    }
    let history: ProviderHistory;
    try {
      history = await this.provider.history({ symbol });
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'plan_required') {
        this.done.add(symbol);
        if (!this.deniedLogged) {
          this.deniedLogged = true;
          this.logger.info(
            { symbol },
            'no market-data source this app has may give past prices for some symbols; their history is built from live prices',
          );
        }
        return;
      }
      throw error;
    }
    const now = this.clock.now();
    const today = periodStart(now, '1d');
    // Today's daily bar is still moving: it is built from minute bars (merged, like live ticks), never
    // replaced by a provider's partial candle.
    const completedDays = history.daily.filter((bar) => bar.time < today);
    const minutes = history.minute.filter((bar) => bar.time < periodStart(now, '1m'));
    const todaySoFar = minuteBarsAsDay(
      symbol,
      today,
      minutes.filter((bar) => bar.time >= today),
    );
    await this.db.transaction(async (tx) => {
      await replaceBars(tx, symbol, '1d', completedDays);
      await replaceBars(tx, symbol, '1m', minutes);
      if (todaySoFar) await mergeBars(tx, [todaySoFar]);
      await markBackfilled(tx, symbol, history.source ?? this.provider.name, now);
    });
    this.done.add(symbol);
    this.logger.info({ symbol, daily: completedDays.length, minute: minutes.length }, 'loaded past prices');
  }
}
