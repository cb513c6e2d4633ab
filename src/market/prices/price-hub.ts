import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Quote } from '../kernel/instruments.js';
import { sameUtcDay } from '../kernel/periods.js';
import type { FeedStatus, MarketDataProvider, QuoteFeed, Trade } from '../providers/provider.js';

export interface HubQuote {
  quote: Quote;
  /** True when the price is neither streamed live nor confirmed recently (see `staleAfterMs`). */
  stale: boolean;
  /** When the hub received this quote (epoch ms). */
  receivedAt: number;
}

export type TickListener = (symbol: string, price: number, time: number, volume: number) => void;

export interface PriceHubOptions {
  provider: MarketDataProvider;
  feed: QuoteFeed;
  clock: Clock;
  logger: Logger;
  /** A quote confirmed this recently is served as is, without asking the provider. */
  freshMs: number;
  /** A quote not streamed and not confirmed for this long is flagged stale. */
  staleAfterMs: number;
}

interface Entry {
  quote: Quote;
  /** When we last received or confirmed this quote (epoch ms); not the market's trade time. */
  receivedAt: number;
  /** Recent trades (time:price:volume), so a trade delivered twice is applied once. */
  recentTrades?: Set<string>;
}

const RECENT_TRADES_KEPT = 256;
/**
 * A symbol's snapshot is fetched in the background at most this often, whatever the outcome: a
 * quote without a previous close (Finnhub's partial zeros, a first day of trading) stays without
 * one however often it is asked for, and every trade would ask again.
 */
const BACKGROUND_REFRESH_MS = 30_000;

/**
 * The server's one place for prices: the last value per symbol, one upstream subscription per
 * symbol however many connections watch it (reference counted), trades merged into the last full
 * quote, and a notification per update for the stream to fan out. Requests for a price the hub has
 * fresh never reach the provider; concurrent misses share one call.
 */
export class PriceHub {
  private readonly latest = new Map<string, Entry>();
  private readonly watchCounts = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<Quote | null>>();
  /** When a background snapshot fetch of each symbol last started, so a stream of trades does not start one per tick. */
  private readonly refreshedAt = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly updateListeners: Array<(symbol: string) => void> = [];
  private readonly statusListeners: Array<(status: FeedStatus) => void> = [];
  private readonly tickListeners: TickListener[] = [];

  constructor(private readonly options: PriceHubOptions) {
    options.feed.connect({
      quote: (quote) => this.mergeQuote(quote),
      trade: (trade) => this.applyTrade(trade),
      status: (status) => {
        for (const listener of this.statusListeners) listener(status);
      },
    });
  }

  /** Called with the symbol after every change of its quote. */
  onUpdate(listener: (symbol: string) => void): void {
    this.updateListeners.push(listener);
  }

  /**
   * Called with every price the market reported: each trade once (duplicates dropped), and each full
   * quote newer than the last, with the volume traded since the previous one (0 when unknown).
   */
  onTick(listener: TickListener): void {
    this.tickListeners.push(listener);
  }

  onFeedStatus(listener: (status: FeedStatus) => void): void {
    this.statusListeners.push(listener);
  }

  feedStatus(): FeedStatus {
    return this.options.feed.status();
  }

  /** One more watcher of `symbol`; the first subscribes upstream. */
  watch(symbol: string): void {
    const count = this.watchCounts.get(symbol) ?? 0;
    this.watchCounts.set(symbol, count + 1);
    if (count > 0) return;
    this.options.feed.setWatched(new Set(this.watchCounts.keys()));
    if (!this.isFresh(symbol)) this.refreshInBackground(symbol);
  }

  /** One watcher fewer; after the last, the symbol is unsubscribed upstream. */
  unwatch(symbol: string): void {
    const count = this.watchCounts.get(symbol);
    if (count === undefined) return;
    if (count > 1) {
      this.watchCounts.set(symbol, count - 1);
      return;
    }
    this.watchCounts.delete(symbol);
    this.options.feed.setWatched(new Set(this.watchCounts.keys()));
  }

  watchedSymbolCount(): number {
    return this.watchCounts.size;
  }

  /** What the hub knows now, without any I/O. */
  peek(symbol: string): HubQuote | undefined {
    const entry = this.latest.get(symbol);
    if (!entry) return undefined;
    const live = this.options.feed.covers(symbol);
    const stale = !live && this.options.clock.now() - entry.receivedAt > this.options.staleAfterMs;
    return { quote: entry.quote, stale, receivedAt: entry.receivedAt };
  }

  /**
   * A current quote: from the hub when fresh, else from the provider (one call shared by concurrent
   * callers). When the provider fails and an older quote is known, that one is returned marked stale.
   * Null when the provider does not know the symbol.
   */
  async getQuote(symbol: string): Promise<HubQuote | null> {
    if (this.isFresh(symbol)) return this.peek(symbol) ?? null;
    try {
      const quote = await this.fetch(symbol);
      return quote ? (this.peek(symbol) ?? null) : null;
    } catch (error) {
      const known = this.latest.get(symbol);
      if (known) return { quote: known.quote, stale: true, receivedAt: known.receivedAt };
      throw error;
    }
  }

  /** Quotes loaded from the database at start: shown at once, stale until confirmed. */
  preload(entries: Array<{ quote: Quote; receivedAt: number }>): void {
    for (const entry of entries) {
      if (!this.latest.has(entry.quote.symbol)) this.latest.set(entry.quote.symbol, entry);
    }
  }

  /** Quotes changed since the last call, for persistence; the caller gives back any it failed to save. */
  takeChanged(): Quote[] {
    const quotes: Quote[] = [];
    for (const symbol of this.dirty) {
      const entry = this.latest.get(symbol);
      if (entry) quotes.push(entry.quote);
    }
    this.dirty.clear();
    return quotes;
  }

  giveBackChanged(quotes: Quote[]): void {
    for (const quote of quotes) this.dirty.add(quote.symbol);
  }

  /**
   * A full quote (REST snapshot, simulated tick). When trades newer than it were already merged, their
   * price and time stay and the snapshot supplies open, previous close and the day's range. A
   * snapshot without volume (Finnhub's /quote) keeps the volume summed from today's trades.
   */
  private mergeQuote(quote: Quote): void {
    const known = this.latest.get(quote.symbol)?.quote;
    if (!known || quote.time >= known.time) {
      const sameDay = known !== undefined && sameUtcDay(known.time, quote.time);
      const traded =
        sameDay && quote.volume !== null && known.volume !== null
          ? Math.max(0, quote.volume - known.volume)
          : 0;
      this.emitTick(quote.symbol, quote.price, quote.time, traded);
      const volume = quote.volume ?? (sameDay ? known.volume : null);
      this.store(volume === quote.volume ? quote : { ...quote, volume });
      return;
    }
    this.store(
      withChange({
        ...quote,
        price: known.price,
        time: known.time,
        volume: quote.volume ?? known.volume,
        high: maxOf(quote.high, known.high, known.price),
        low: minOf(quote.low, known.low, known.price),
      }),
    );
  }

  /** Merges a trade: price and time from the trade, the day's range widened, change recomputed. */
  private applyTrade(trade: Trade): void {
    const entry = this.latest.get(trade.symbol);
    const key = `${trade.time}:${trade.price}:${trade.volume}`;
    if (entry?.recentTrades?.has(key)) return;
    this.emitTick(trade.symbol, trade.price, trade.time, trade.volume);
    if (!entry) {
      this.store({
        symbol: trade.symbol,
        price: trade.price,
        change: null,
        changePercent: null,
        open: null,
        high: trade.price,
        low: trade.price,
        previousClose: null,
        volume: trade.volume,
        time: trade.time,
      });
      this.refreshInBackground(trade.symbol);
    } else {
      // The hot path (every trade): one object, no spreads.
      const q = entry.quote;
      const newer = trade.time >= q.time;
      const price = newer ? trade.price : q.price;
      // A trade on a later UTC day than the last one starts the day's volume again.
      const volume = newer && !sameUtcDay(q.time, trade.time) ? trade.volume : (q.volume ?? 0) + trade.volume;
      const change = q.previousClose ? Number((price - q.previousClose).toFixed(10)) : null;
      this.store({
        symbol: q.symbol,
        price,
        change,
        changePercent:
          change !== null && q.previousClose ? Number(((change / q.previousClose) * 100).toFixed(6)) : null,
        open: q.open,
        high: q.high === null || trade.price > q.high ? trade.price : q.high,
        low: q.low === null || trade.price < q.low ? trade.price : q.low,
        previousClose: q.previousClose,
        volume,
        time: newer ? trade.time : q.time,
      });
      // Trades alone carry no previous close: keep asking (throttled) until a snapshot lands.
      if (q.previousClose === null) this.refreshInBackground(trade.symbol);
    }
    this.rememberTrade(trade.symbol, key);
  }

  private emitTick(symbol: string, price: number, time: number, volume: number): void {
    for (const listener of this.tickListeners) listener(symbol, price, time, volume);
  }

  private rememberTrade(symbol: string, key: string): void {
    const entry = this.latest.get(symbol);
    if (!entry) return;
    entry.recentTrades ??= new Set();
    entry.recentTrades.add(key);
    if (entry.recentTrades.size > RECENT_TRADES_KEPT) {
      const oldest = entry.recentTrades.values().next().value;
      if (oldest !== undefined) entry.recentTrades.delete(oldest);
    }
  }

  private store(quote: Quote): void {
    const entry = this.latest.get(quote.symbol);
    if (entry) {
      entry.quote = quote;
      entry.receivedAt = this.options.clock.now();
    } else {
      this.latest.set(quote.symbol, { quote, receivedAt: this.options.clock.now() });
    }
    this.dirty.add(quote.symbol);
    for (const listener of this.updateListeners) listener(quote.symbol);
  }

  private isFresh(symbol: string): boolean {
    const entry = this.latest.get(symbol);
    if (!entry || entry.quote.previousClose === null) return false;
    return (
      this.options.feed.covers(symbol) || this.options.clock.now() - entry.receivedAt <= this.options.freshMs
    );
  }

  private fetch(symbol: string): Promise<Quote | null> {
    const pending = this.inFlight.get(symbol);
    if (pending) return pending;
    const call = this.options.provider
      .getQuote({ symbol })
      .then((quote) => {
        if (quote) this.mergeQuote(quote);
        return quote;
      })
      .finally(() => this.inFlight.delete(symbol));
    this.inFlight.set(symbol, call);
    return call;
  }

  /** A snapshot fetched ahead of need: throttled per symbol, and from the budget people's requests leave. */
  private refreshInBackground(symbol: string): void {
    const now = this.options.clock.now();
    const last = this.refreshedAt.get(symbol);
    if ((last !== undefined && now - last < BACKGROUND_REFRESH_MS) || this.inFlight.has(symbol)) return;
    this.refreshedAt.set(symbol, now);
    this.options.provider
      .getQuote({ symbol, background: true })
      .then((quote) => {
        if (quote) this.mergeQuote(quote);
      })
      .catch((error: Error) => {
        this.options.logger.warn(
          { symbol, reason: error.message },
          'could not fetch a quote for a watched symbol',
        );
      });
  }
}

/** change and % change against the previous close, without binary noise (2.3000000000000114). */
function withChange(quote: Quote): Quote {
  if (quote.previousClose === null || quote.previousClose === 0)
    return { ...quote, change: null, changePercent: null };
  const change = quote.price - quote.previousClose;
  return {
    ...quote,
    change: Number(change.toFixed(10)),
    changePercent: Number(((change / quote.previousClose) * 100).toFixed(6)),
  };
}

function maxOf(...values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

function minOf(...values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
}
