import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MarketDataProvider, Quote, QuoteFeed } from './types.js';

export interface HubQuote {
  quote: Quote;
  /** True when the hub has not been able to confirm this price recently (see `staleAfterMs`). */
  stale: boolean;
}

export type QuoteWatcher = (quote: Quote) => void;

export interface PriceHubOptions {
  provider: MarketDataProvider;
  feed: QuoteFeed;
  clock: Clock;
  logger: Logger;
  /** A quote confirmed this recently is served as is, without asking the provider. */
  freshMs: number;
  /** A quote not confirmed for this long is flagged stale. */
  staleAfterMs: number;
}

interface Entry {
  quote: Quote;
  /** When we last received or confirmed this quote (epoch ms); not the market's trade time. */
  receivedAt: number;
}

/**
 * The server's one place for prices: the last value per symbol, one upstream subscription per
 * symbol however many connections watch it, and fan-out to the watchers of each symbol. Requests for
 * a price the hub already has fresh never reach the provider; concurrent misses share one call.
 */
export class PriceHub {
  private readonly latest = new Map<string, Entry>();
  private readonly watchers = new Map<string, Set<QuoteWatcher>>();
  private readonly inFlight = new Map<string, Promise<Quote | null>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly options: PriceHubOptions) {
    options.feed.onQuote((quote) => this.publish(quote));
  }

  /** Starts sending `symbol`'s updates to `watcher`; the first watcher of a symbol subscribes upstream. */
  watch(symbol: string, watcher: QuoteWatcher): void {
    let set = this.watchers.get(symbol);
    if (!set) {
      set = new Set();
      this.watchers.set(symbol, set);
      this.options.feed.setWatched(new Set(this.watchers.keys()));
      if (!this.isFresh(symbol)) this.refreshInBackground(symbol);
    }
    set.add(watcher);
  }

  /** The last watcher of a symbol leaving unsubscribes it upstream. */
  unwatch(symbol: string, watcher: QuoteWatcher): void {
    const set = this.watchers.get(symbol);
    if (!set?.delete(watcher) || set.size > 0) return;
    this.watchers.delete(symbol);
    this.options.feed.setWatched(new Set(this.watchers.keys()));
  }

  watchedSymbolCount(): number {
    return this.watchers.size;
  }

  /** What the hub knows now, without any I/O. */
  peek(symbol: string): HubQuote | undefined {
    const entry = this.latest.get(symbol);
    if (!entry) return undefined;
    return {
      quote: entry.quote,
      stale: this.options.clock.now() - entry.receivedAt > this.options.staleAfterMs,
    };
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
      return quote ? { quote, stale: false } : null;
    } catch (error) {
      const known = this.latest.get(symbol);
      if (known) return { quote: known.quote, stale: true };
      throw error;
    }
  }

  /** Quotes loaded from the database at start: shown at once, stale until confirmed. */
  preload(entries: Array<{ quote: Quote; receivedAt: number }>): void {
    for (const entry of entries) {
      if (!this.latest.has(entry.quote.symbol)) this.latest.set(entry.quote.symbol, entry);
    }
  }

  /** Quotes changed since the last call, for persistence; the caller hands back any it failed to save. */
  takeDirty(): Quote[] {
    const quotes: Quote[] = [];
    for (const symbol of this.dirty) {
      const entry = this.latest.get(symbol);
      if (entry) quotes.push(entry.quote);
    }
    this.dirty.clear();
    return quotes;
  }

  markDirty(symbols: Iterable<string>): void {
    for (const symbol of symbols) this.dirty.add(symbol);
  }

  private publish(quote: Quote): void {
    this.latest.set(quote.symbol, { quote, receivedAt: this.options.clock.now() });
    this.dirty.add(quote.symbol);
    const set = this.watchers.get(quote.symbol);
    if (!set) return;
    for (const watcher of set) watcher(quote);
  }

  private isFresh(symbol: string): boolean {
    const entry = this.latest.get(symbol);
    return entry !== undefined && this.options.clock.now() - entry.receivedAt <= this.options.freshMs;
  }

  private fetch(symbol: string): Promise<Quote | null> {
    const pending = this.inFlight.get(symbol);
    if (pending) return pending;
    const call = this.options.provider
      .getQuote({ symbol })
      .then((quote) => {
        if (quote) this.publish(quote);
        return quote;
      })
      .finally(() => this.inFlight.delete(symbol));
    this.inFlight.set(symbol, call);
    return call;
  }

  private refreshInBackground(symbol: string): void {
    this.fetch(symbol).catch((error: Error) => {
      this.options.logger.warn(
        { symbol, reason: error.message },
        'could not fetch a quote for a watched symbol',
      );
    });
  }
}
