import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { type KeyMetrics, type MarketDataProvider, ProviderError } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 5000;
const UNKNOWN: KeyMetrics = { week52High: null, week52Low: null, marketCap: null };

/**
 * 52-week range and market cap change slowly: each symbol's figures are fetched at most once a day
 * (a plan without access is remembered for a day too), and a failure gives nulls rather than failing
 * the quote they decorate.
 */
export class KeyMetricsCache {
  private readonly cache = new Map<string, { metrics: KeyMetrics; at: number }>();
  private readonly inFlight = new Map<string, Promise<KeyMetrics>>();

  constructor(
    private readonly provider: MarketDataProvider,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async get(symbol: string): Promise<KeyMetrics> {
    const cached = this.cache.get(symbol);
    if (cached && this.clock.now() - cached.at < DAY_MS) return cached.metrics;
    const pending = this.inFlight.get(symbol);
    if (pending) return pending;
    const call = this.provider
      .keyMetrics({ symbol })
      .then((metrics) => this.remember(symbol, metrics))
      .catch((error: unknown) => {
        if (error instanceof ProviderError && error.reason === 'plan_required')
          return this.remember(symbol, UNKNOWN);
        this.logger.warn({ symbol, reason: (error as Error).message }, 'key metrics unavailable');
        return UNKNOWN;
      })
      .finally(() => this.inFlight.delete(symbol));
    this.inFlight.set(symbol, call);
    return call;
  }

  private remember(symbol: string, metrics: KeyMetrics): KeyMetrics {
    this.cache.set(symbol, { metrics, at: this.clock.now() });
    if (this.cache.size > MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return metrics;
  }
}
