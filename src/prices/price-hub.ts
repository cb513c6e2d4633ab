import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Quote } from '../market/kernel/instruments.js';
import { sameUtcDay } from '../market/kernel/periods.js';
import type { FeedStatus, MarketDataProvider, QuoteFeed, Trade } from '../market/providers/provider.js';
import { SingleFlight } from '../single-flight.js';
import { MarketDemand } from './market-demand.js';
import { InProcessMarketEvents, type MarketEvents } from './market-events.js';

export interface HubQuote {
  quote: Quote;
  /** True when the price is neither streamed live nor confirmed recently (see `staleAfterMs`). */
  stale: boolean;
  /** When the hub received this quote (epoch ms). */
  receivedAt: number;
}

export interface PriceHubOptions {
  provider: MarketDataProvider;
  feed: QuoteFeed;
  /** Where every change is published, after it is stored; one in this process when not given. */
  events?: MarketEvents;
  /** Why each symbol is wanted; the feed follows it, most wanted first. Empty when not given. */
  demand?: MarketDemand;
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
 * The server's one place for prices: the last value per symbol, the upstream feed following the
 * market demand (open screens are one reason, counted per watcher), trades merged into the last full
 * quote, and `tick` and `quote.updated` events published once the new quote is stored (a listener
 * that reads the hub sees it). Requests for a price the hub has fresh never reach the provider;
 * concurrent misses share one call.
 */
export class PriceHub {
  private readonly latest = new Map<string, Entry>();
  private readonly fetches = new SingleFlight<Quote | null>();
  /** When a background snapshot fetch of each symbol last started, so a stream of trades does not start one per tick. */
  private readonly refreshedAt = new Map<string, number>();
  /** `quote.updated`, `tick` and `feed.status`, for the stream, history, metrics and persistence. */
  readonly events: MarketEvents;
  readonly demand: MarketDemand;

  constructor(private readonly options: PriceHubOptions) {
    this.demand = options.demand ?? new MarketDemand();
    this.demand.onChange((ranked) => options.feed.setWatched(ranked));
    this.events =
      options.events ??
      new InProcessMarketEvents((name, error) =>
        options.logger.error(
          { event: name, reason: (error as Error).message },
          'a market event listener failed',
        ),
      );
    options.feed.connect({
      quote: (quote) => this.mergeQuote(quote),
      trade: (trade) => this.applyTrade(trade),
      status: (status) => this.events.emit('feed.status', { status }),
    });
  }

  feedStatus(): FeedStatus {
    return this.options.feed.status();
  }

  /** One more screen showing `symbol` (demand 'screen'); the first may subscribe it upstream. */
  watch(symbol: string): void {
    const first = this.demand.holders(symbol, 'screen') === 0;
    this.demand.add(symbol, 'screen');
    if (first && !this.isFresh(symbol)) this.refreshInBackground(symbol);
  }

  /** One screen fewer; with its last reason gone, the symbol is unsubscribed upstream. */
  unwatch(symbol: string): void {
    this.demand.remove(symbol, 'screen');
  }

  /** Symbols wanted for any reason (a screen, a watchlist, ...). */
  watchedSymbolCount(): number {
    return this.demand.symbols().size;
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
      const volume = quote.volume ?? (sameDay ? known.volume : null);
      const previous = this.store(volume === quote.volume ? quote : { ...quote, volume });
      if (this.options.provider.inSession(quote.symbol, quote.time)) {
        this.publishTick(quote.symbol, quote.price, quote.time, traded);
      }
      this.publishUpdate(quote.symbol, previous, 'snapshot');
      return;
    }
    const previous = this.store(
      withChange({
        ...quote,
        price: known.price,
        time: known.time,
        volume: quote.volume ?? known.volume,
        high: maxOf(quote.high, known.high, known.price),
        low: minOf(quote.low, known.low, known.price),
      }),
    );
    this.publishUpdate(quote.symbol, previous, 'snapshot');
  }

  /** Merges a trade: price and time from the trade, the day's range widened, change recomputed. */
  private applyTrade(trade: Trade): void {
    const entry = this.latest.get(trade.symbol);
    const key = `${trade.time}:${trade.price}:${trade.volume}`;
    if (entry?.recentTrades?.has(key)) return;
    let previous: Quote | null = null;
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
      previous = this.store({
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
    this.publishTick(trade.symbol, trade.price, trade.time, trade.volume);
    this.publishUpdate(trade.symbol, previous, 'trade');
  }

  private publishTick(symbol: string, price: number, time: number, volume: number): void {
    const { events } = this;
    if (events.listened('tick')) events.emit('tick', { symbol, price, time, volume });
  }

  private publishUpdate(symbol: string, previous: Quote | null, cause: 'trade' | 'snapshot'): void {
    const { events } = this;
    const entry = this.latest.get(symbol);
    if (entry && events.listened('quote.updated')) {
      events.emit('quote.updated', { symbol, quote: entry.quote, previous, cause });
    }
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

  /** Stores `quote` as its symbol's latest; returns the one it replaced (null for the first). */
  private store(quote: Quote): Quote | null {
    const entry = this.latest.get(quote.symbol);
    const previous = entry?.quote ?? null;
    if (entry) {
      entry.quote = quote;
      entry.receivedAt = this.options.clock.now();
    } else {
      this.latest.set(quote.symbol, { quote, receivedAt: this.options.clock.now() });
    }
    return previous;
  }

  private isFresh(symbol: string): boolean {
    const entry = this.latest.get(symbol);
    if (!entry || entry.quote.previousClose === null) return false;
    return (
      this.options.feed.covers(symbol) || this.options.clock.now() - entry.receivedAt <= this.options.freshMs
    );
  }

  private fetch(symbol: string): Promise<Quote | null> {
    return this.fetches.run(symbol, async () => {
      const quote = await this.options.provider.getQuote({ symbol });
      if (quote) this.mergeQuote(quote);
      return quote;
    });
  }

  /** A snapshot fetched ahead of need: throttled per symbol, and from the budget people's requests leave. */
  private refreshInBackground(symbol: string): void {
    const now = this.options.clock.now();
    const last = this.refreshedAt.get(symbol);
    if ((last !== undefined && now - last < BACKGROUND_REFRESH_MS) || this.fetches.has(symbol)) return;
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
