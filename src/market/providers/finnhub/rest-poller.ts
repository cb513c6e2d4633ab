import type { Logger } from 'pino';
import type { Quote } from '../../kernel/instruments.js';
import type { MarketDataProvider } from '../provider.js';
import type { RestBudget } from './rest-budget.js';

/**
 * Keeps symbols the WebSocket cannot carry (over the symbol cap, or refused by it) current by polling
 * /quote round-robin, one symbol per tick, and only while the REST budget has more than `reserve`
 * calls left, so interactive needs (adding a symbol, a search) are served first.
 */
export class RestPoller {
  private order: string[] = [];
  private next = 0;
  private busy = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly provider: MarketDataProvider,
    private readonly budget: RestBudget,
    private readonly onQuote: (quote: Quote) => void,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; reserve: number },
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
    if (this.busy || this.order.length === 0 || this.budget.remaining() <= this.options.reserve) return;
    const symbol = this.order[this.next % this.order.length];
    this.next = (this.next + 1) % this.order.length;
    if (!symbol) return;
    this.busy = true;
    try {
      const quote = await this.provider.getQuote({ symbol });
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
