import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ProviderError } from '../errors.js';
import type { KeyMetrics } from '../market/kernel/instruments.js';
import { DAY_MS } from '../market/kernel/periods.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import { TtlCache } from './ttl-cache.js';

const UNKNOWN: KeyMetrics = { week52High: null, week52Low: null, marketCap: null };

/**
 * 52-week range and market cap change slowly: each symbol's figures are fetched at most once a day
 * (a plan without access is remembered for a day too), and a failure gives nulls rather than failing
 * the quote they decorate.
 */
export class KeyMetricsCache {
  private readonly cache: TtlCache<KeyMetrics>;

  constructor(
    private readonly provider: MarketDataProvider,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    this.cache = new TtlCache(clock, DAY_MS, 5000);
  }

  /**
   * What is known now without waiting: the cached figures, or undefined while they are fetched in
   * the background (a watchlist of fifty symbols must not wait for fifty provider calls, nor spend
   * the request budget people's requests need).
   */
  peek(symbol: string): KeyMetrics | undefined {
    const cached = this.cache.peek(symbol);
    if (!cached) void this.load(symbol, true);
    return cached;
  }

  get(symbol: string): Promise<KeyMetrics> {
    return this.load(symbol, false);
  }

  private load(symbol: string, background: boolean): Promise<KeyMetrics> {
    const load = () =>
      this.provider.keyMetrics({ symbol, background }).then(
        (metrics) => metrics ?? UNKNOWN,
        (error: unknown) => {
          if (error instanceof ProviderError && error.reason === 'plan_required') return UNKNOWN;
          throw error;
        },
      );
    return this.cache.get(symbol, load).catch((error: Error) => {
      // A background fetch refused for lack of budget is expected; the next look tries again.
      if (background) this.logger.debug({ symbol, reason: error.message }, 'key metrics deferred');
      else this.logger.warn({ symbol, reason: error.message }, 'key metrics unavailable');
      return UNKNOWN;
    });
  }
}
