import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { PriceHub } from './price-hub.js';
import { saveLastQuotes } from './quote.repository.js';

/**
 * Writes the hub's changed quotes to the database on an interval, one statement per flush however
 * many ticks arrived, so a restart can show the last prices at once. A failed flush is retried.
 */
export class QuoteRecorder {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Flushes now; serialised so two flushes never race on the same rows. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const quotes = this.hub.takeDirty();
      if (quotes.length === 0) return;
      try {
        await saveLastQuotes(this.db, quotes, new Date(this.clock.now()));
      } catch (error) {
        this.hub.markDirty(quotes.map((q) => q.symbol));
        this.logger.warn(
          { count: quotes.length, reason: (error as Error).message },
          'saving last quotes failed; will retry',
        );
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
