import type { Logger } from 'pino';
import type { MarketDataProvider, Quote, QuoteFeed } from '../types.js';
import type { RestBudget } from './rest-budget.js';

/**
 * Keeps watched symbols current by polling Finnhub's /quote round-robin, one symbol per tick, only
 * while the REST budget has more than `reserve` calls left, so adding a symbol or searching is never
 * starved. Upstream cost depends on the number of distinct watched symbols, never on users.
 */
export class PollingFeed implements QuoteFeed {
  readonly kind = 'polling';
  private order: string[] = [];
  private next = 0;
  private readonly listeners: Array<(quote: Quote) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly provider: MarketDataProvider,
    private readonly budget: RestBudget,
    private readonly logger: Logger,
    options: { intervalMs?: number; reserve?: number } = {},
  ) {
    this.reserve = options.reserve ?? 10;
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? 1000);
    this.timer.unref();
  }

  private readonly reserve: number;

  setWatched(symbols: ReadonlySet<string>): void {
    this.order = [...symbols];
    if (this.next >= this.order.length) this.next = 0;
  }

  onQuote(listener: (quote: Quote) => void): void {
    this.listeners.push(listener);
  }

  async tick(): Promise<void> {
    if (this.busy || this.order.length === 0 || this.budget.remaining() <= this.reserve) return;
    const symbol = this.order[this.next % this.order.length];
    this.next = (this.next + 1) % this.order.length;
    if (!symbol) return;
    this.busy = true;
    try {
      const quote = await this.provider.getQuote({ symbol });
      if (quote) for (const listener of this.listeners) listener(quote);
    } catch (error) {
      this.logger.debug({ symbol, reason: (error as Error).message }, 'polling a quote failed');
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
