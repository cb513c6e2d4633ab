import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MarketStatus } from '../market/kernel/instruments.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import { SingleFlight } from '../single-flight.js';

/**
 * The market status shown in the header, refreshed on a schedule (one REST call every
 * `refreshMs`, however many users look) and served from memory in between. When a refresh fails
 * the last known status is kept.
 */
export class MarketStatusService {
  private current: { status: MarketStatus; at: number } | undefined;
  private readonly refreshes = new SingleFlight<MarketStatus>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly provider: MarketDataProvider,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly refreshMs = 5 * 60 * 1000,
    private readonly exchange = 'US',
  ) {
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) => {
        this.logger.warn({ reason: error.message }, 'market status refresh failed; keeping the last one');
      });
    }, refreshMs);
    this.timer.unref();
  }

  /** The current status; asks the provider only when none is known yet or the last is too old. */
  async status(): Promise<{ status: MarketStatus; updatedAt: string }> {
    const known = this.current;
    if (known && this.clock.now() - known.at < this.refreshMs * 2) {
      return { status: known.status, updatedAt: new Date(known.at).toISOString() };
    }
    try {
      await this.refresh();
    } catch (error) {
      if (!known) throw error;
    }
    const latest = this.current ?? known;
    if (!latest) throw new Error('no market status');
    return { status: latest.status, updatedAt: new Date(latest.at).toISOString() };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private refresh(): Promise<MarketStatus> {
    return this.refreshes.run(this.exchange, async () => {
      const status = await this.provider.marketStatus({ exchange: this.exchange });
      this.current = { status, at: this.clock.now() };
      return status;
    });
  }
}
