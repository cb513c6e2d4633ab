import type { Logger } from 'pino';
import type { Quote } from '../kernel/instruments.js';
import type { MarketDataProvider } from './provider.js';

export interface RestPollerOptions {
  /** One symbol is asked for each interval. */
  readonly intervalMs: number;
  /** Whether a poll may go out now: Finnhub's budget keeps its reserve for people's requests. */
  readonly mayPoll: () => boolean;
  /** Asked as background calls, which a source refuses rather than spend what people's requests need. */
  readonly background: boolean;
}

/**
 * Keeps symbols no stream carries current by asking for their quote round-robin, one symbol per
 * interval: Finnhub's symbols over the socket's cap or refused by it, and (through the source
 * registry) the symbols of sources that have no stream at all.
 */
export class RestPoller {
  private order: string[] = [];
  private next = 0;
  private busy = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly provider: Pick<MarketDataProvider, 'getQuote'>,
    private readonly onQuote: (quote: Quote) => void,
    private readonly logger: Logger,
    private readonly options: RestPollerOptions,
  ) {
    this.timer = setInterval(() => void this.tick(), options.intervalMs);
    this.timer.unref();
  }

  setSymbols(symbols: Iterable<string>): void {
    this.order = [...symbols];
    if (this.next >= this.order.length) this.next = 0;
  }

  symbols(): readonly string[] {
    return this.order;
  }

  async tick(): Promise<void> {
    if (this.busy || this.order.length === 0 || !this.options.mayPoll()) return;
    const symbol = this.order[this.next % this.order.length];
    this.next = (this.next + 1) % this.order.length;
    if (!symbol) return;
    this.busy = true;
    try {
      const quote = await this.provider.getQuote({ symbol, background: this.options.background });
      if (quote) this.onQuote(quote);
    } catch (error) {
      this.logger.debug({ symbol, reason: (error as Error).message }, 'polling a quote failed');
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
