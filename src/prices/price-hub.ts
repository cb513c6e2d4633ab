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
  /** Recent trades, so a trade delivered twice is applied once. */
  recentTrades?: RecentTrades;
}

const RECENT_TRADES_KEPT = 256;

/**
 * The last `RECENT_TRADES_KEPT` distinct trades of a symbol as (time, price, volume) in a ring,
 * compared as numbers: this runs per trade, and a string key per trade in a Set cost an allocation,
 * a hash and an eviction each time.
 */
class RecentTrades {
  private readonly times = new Float64Array(RECENT_TRADES_KEPT);
  private readonly prices = new Float64Array(RECENT_TRADES_KEPT);
  private readonly volumes = new Float64Array(RECENT_TRADES_KEPT);
  private size = 0;
  /** Where the next trade is written, over the oldest once the ring is full. */
  private next = 0;
  /** The latest time ever added: a trade after it (the usual case) is new without a scan. */
  private latestTime = Number.NEGATIVE_INFINITY;

  has(time: number, price: number, volume: number): boolean {
    if (time > this.latestTime) return false;
    const { times, prices, volumes } = this;
    for (let i = 0; i < this.size; i++) {
      if (times[i] === time && prices[i] === price && volumes[i] === volume) return true;
    }
    return false;
  }

  add(time: number, price: number, volume: number): void {
    this.times[this.next] = time;
    this.prices[this.next] = price;
    this.volumes[this.next] = volume;
    if (time > this.latestTime) this.latestTime = time;
    this.next = (this.next + 1) % RECENT_TRADES_KEPT;
    if (this.size < RECENT_TRADES_KEPT) this.size++;
  }
}
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
      current: (symbol) => this.latest.get(symbol)?.quote,
      relayed: (quote) => this.mergeRelayed(quote),
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
   * price and time stay (with the source and delay that priced them) and the snapshot supplies open,
   * previous close and the day's range. A snapshot without volume (Finnhub's /quote) keeps the volume
   * summed from today's trades.
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
      const stored = this.latest.get(quote.symbol) as Entry;
      if (this.options.provider.inSession(quote.symbol, quote.time)) {
        this.publishTick(stored, quote.price, quote.time, traded);
      }
      this.publishUpdate(stored, previous, 'snapshot');
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
        source: known.source,
        delayMinutes: known.delayMinutes,
      }),
    );
    this.publishUpdate(this.latest.get(quote.symbol) as Entry, previous, 'snapshot');
  }

  /**
   * The cluster leader's quote of a symbol, which already holds every trade the leader merged (the
   * day's volume and range): stored as it is, not merged like a trade. A previous close (and open)
   * this hub has for the same day are kept while the leader has none yet. No `tick`: bars and
   * alerts are the leader's, from the trades themselves. One older than the stored quote (this
   * hub's own newer snapshot) is merged as an older snapshot.
   */
  private mergeRelayed(quote: Quote): void {
    const known = this.latest.get(quote.symbol)?.quote;
    if (known && quote.time < known.time) {
      this.mergeQuote(quote);
      return;
    }
    const keepsClose =
      known !== undefined &&
      quote.previousClose === null &&
      known.previousClose !== null &&
      sameUtcDay(known.time, quote.time);
    const previous = this.store(
      keepsClose
        ? withChange({ ...quote, previousClose: known.previousClose, open: quote.open ?? known.open })
        : quote,
    );
    const stored = this.latest.get(quote.symbol) as Entry;
    // As with trades: without a previous close, keep asking (throttled) until a snapshot lands.
    if (stored.quote.previousClose === null) this.refreshInBackground(quote.symbol);
    this.publishUpdate(stored, previous, 'trade');
  }

  /**
   * Merges a trade: price and time from the trade, the day's range widened, change recomputed; a
   * newer trade that names its feed makes the quote that feed's, in real time (a trade is the market's
   * own print: whatever delay the snapshot had, this price has none). The hot path (every trade): the
   * symbol's entry is looked up once and updated in place.
   */
  private applyTrade(trade: Trade): void {
    const { symbol } = trade;
    const entry = this.latest.get(symbol);
    if (!entry) {
      this.store({
        symbol,
        price: trade.price,
        change: null,
        changePercent: null,
        open: null,
        high: trade.price,
        low: trade.price,
        previousClose: null,
        volume: trade.volume,
        time: trade.time,
        source: trade.source,
        delayMinutes: trade.source === undefined ? undefined : 0,
      });
      this.refreshInBackground(symbol);
      const stored = this.latest.get(symbol) as Entry;
      this.rememberTrade(stored, trade);
      this.publishTick(stored, trade.price, trade.time, trade.volume);
      this.publishUpdate(stored, null, 'trade');
      return;
    }
    if (entry.recentTrades?.has(trade.time, trade.price, trade.volume)) return;
    const q = entry.quote;
    const newer = trade.time >= q.time;
    const price = newer ? trade.price : q.price;
    // A trade on a later UTC day than the last one starts the day's volume again.
    const volume = newer && !sameUtcDay(q.time, trade.time) ? trade.volume : (q.volume ?? 0) + trade.volume;
    const change = q.previousClose ? roundTo(price - q.previousClose, 10) : null;
    // The source labels the price: an older trade only widens the range and adds volume.
    const priced = newer && trade.source !== undefined;
    // One new object, no spreads: the stored quote is never changed in place (listeners keep it).
    entry.quote = {
      symbol: q.symbol,
      price,
      change,
      changePercent: change !== null && q.previousClose ? roundTo((change / q.previousClose) * 100, 6) : null,
      open: q.open,
      high: q.high === null || trade.price > q.high ? trade.price : q.high,
      low: q.low === null || trade.price < q.low ? trade.price : q.low,
      previousClose: q.previousClose,
      volume,
      time: newer ? trade.time : q.time,
      source: priced ? trade.source : q.source,
      delayMinutes: priced ? 0 : q.delayMinutes,
    };
    entry.receivedAt = this.options.clock.now();
    // Trades alone carry no previous close: keep asking (throttled) until a snapshot lands.
    if (q.previousClose === null) this.refreshInBackground(symbol);
    this.rememberTrade(entry, trade);
    this.publishTick(entry, trade.price, trade.time, trade.volume);
    this.publishUpdate(entry, q, 'trade');
  }

  private publishTick(entry: Entry, price: number, time: number, volume: number): void {
    const { events } = this;
    if (events.listened('tick')) {
      const { symbol, previousClose } = entry.quote;
      events.emit('tick', { symbol, price, time, volume, previousClose });
    }
  }

  private publishUpdate(entry: Entry, previous: Quote | null, cause: 'trade' | 'snapshot'): void {
    const { events } = this;
    if (events.listened('quote.updated')) {
      events.emit('quote.updated', { symbol: entry.quote.symbol, quote: entry.quote, previous, cause });
    }
  }

  private rememberTrade(entry: Entry, trade: Trade): void {
    entry.recentTrades ??= new RecentTrades();
    entry.recentTrades.add(trade.time, trade.price, trade.volume);
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
    change: roundTo(change, 10),
    changePercent: roundTo((change / quote.previousClose) * 100, 6),
  };
}

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
/** Below this, a scaled value's rounding error is under 2^-10, far from the 0.01 margin kept below. */
const EXACT_SCALED_LIMIT = 2 ** 42;

/**
 * `Number(value.toFixed(digits))` (digits 0 to 10) without a string per call, as this runs per trade.
 * The integer toFixed picks (the nearest, halves away from zero) is found from the scaled double
 * when that is small and not within 0.01 of a half, where its rounding error cannot change the
 * choice; k / 10^digits is then the double nearest that decimal, as parsing it gives. Anything else
 * (huge values, near-halves, NaN) goes through toFixed itself.
 */
function roundTo(value: number, digits: number): number {
  const scale = POWERS_OF_TEN[digits] ?? 1;
  const scaled = Math.abs(value * scale);
  if (value !== 0 && scaled < EXACT_SCALED_LIMIT) {
    const fraction = scaled - Math.floor(scaled);
    if (Math.abs(fraction - 0.5) > 0.01) {
      const magnitude = Math.round(scaled) / scale;
      return value < 0 ? -magnitude : magnitude;
    }
  }
  return Number(value.toFixed(digits));
}

function maxOf(...values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

function minOf(...values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
}
