import type { Quote } from '../market/kernel/instruments.js';
import type { FeedStatus } from '../market/providers/provider.js';

/** What the price hub tells the rest of the app, always after the quote it is about is stored. */
export interface MarketEventMap {
  /** A symbol's stored quote changed: a trade merged in, or a snapshot (REST poll, simulated tick). */
  'quote.updated': {
    symbol: string;
    quote: Quote;
    /** The quote stored before this one; null for the symbol's first. */
    previous: Quote | null;
    cause: 'trade' | 'snapshot';
  };
  /**
   * A price the market reported: each trade once (duplicates dropped), and each snapshot newer than
   * the last, with the volume traded since the previous one (0 when unknown), and the stored
   * quote's previous close (alerts compare the day change on every tick without a lookup). Only
   * the instance that receives the feed's trades publishes ticks: a cluster follower stores the
   * quotes the leader relays without one, since bars and alerts are the leader's.
   */
  tick: { symbol: string; price: number; time: number; volume: number; previousClose: number | null };
  'feed.status': { status: FeedStatus };
}

export type MarketEventName = keyof MarketEventMap;
export type MarketEventListener<K extends MarketEventName> = (event: MarketEventMap[K]) => void;

/**
 * The price path's publish/subscribe interface. This process's implementation calls listeners in
 * place; one that crosses processes (several instances sharing one feed) implements the same.
 */
export interface MarketEvents {
  /** Subscribes; returns the unsubscribe. */
  on<K extends MarketEventName>(name: K, listener: MarketEventListener<K>): () => void;
  emit<K extends MarketEventName>(name: K, event: MarketEventMap[K]): void;
  /** Whether anyone listens, so the hot path builds no event nobody reads. */
  listened(name: MarketEventName): boolean;
}

/**
 * Calls each listener synchronously, in subscription order, with the publisher's own object: this
 * runs per trade, so nothing is copied or queued. A listener that throws does not stop the others.
 */
export class InProcessMarketEvents implements MarketEvents {
  private readonly listeners: { [K in MarketEventName]: Array<MarketEventListener<K>> } = {
    'quote.updated': [],
    tick: [],
    'feed.status': [],
  };

  constructor(private readonly onListenerError: (name: MarketEventName, error: unknown) => void) {}

  on<K extends MarketEventName>(name: K, listener: MarketEventListener<K>): () => void {
    const list = this.listeners[name] as Array<MarketEventListener<K>>;
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<K extends MarketEventName>(name: K, event: MarketEventMap[K]): void {
    const list = this.listeners[name] as Array<MarketEventListener<K>>;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as MarketEventListener<K>)(event);
      } catch (error) {
        this.onListenerError(name, error);
      }
    }
  }

  listened(name: MarketEventName): boolean {
    return this.listeners[name].length > 0;
  }
}
