import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { AppMetrics } from '../../metrics.js';
import { FinnhubProvider } from './finnhub/finnhub-provider.js';
import { FinnhubStreamFeed } from './finnhub/finnhub-stream-feed.js';
import { RestBudget } from './finnhub/rest-budget.js';
import type { MarketDataProvider, QuoteFeed } from './provider.js';
import { SimulatedFeed, SimulatedMarket } from './simulated/simulated-market.js';
import { UpstreamCallers } from './upstream-callers.js';
import { type RestHealth, UpstreamHealth } from './upstream-health.js';

export interface Market {
  provider: MarketDataProvider;
  feed: QuoteFeed;
  /**
   * Another feed over the same provider and budget: a cluster's leader opens one for each term
   * it holds the feed lease (`feed` is then the cluster's).
   */
  createFeed?: () => QuoteFeed;
  /** REST calls left this minute, for metrics; absent for the simulated market. */
  restBudgetRemaining?: () => number;
  /** The REST budget and the provider's recent trouble, for the admin console; absent for the simulated market. */
  restHealth?: () => RestHealth;
  /** Takes `fraction` of the REST budget (a cluster member's part); absent without a REST budget. */
  shareRestBudget?: (fraction: number) => void;
  /** Who provider calls are made for, set per request; absent for a market without a shared budget. */
  callers?: UpstreamCallers;
}

/** One user may start at most this part of the shared per-minute REST budget. */
const USER_SHARE = 1 / 4;
/** REST calls a minute the poller leaves to people's requests (adding, searching, quoting). */
const POLL_RESERVE = 10;
/** The poller asks once a second at most. */
const MAX_POLLS_PER_MINUTE = 60;
/** Each polled symbol should come round within this many minutes (the hub calls a quote stale after 2). */
const POLL_ROUND_MINUTES = 2;

/** Picks the market-data source from configuration: Finnhub with a key, the simulated market without. */
export function createMarket(
  market: Config['market'],
  clock: Clock,
  logger: Logger,
  metrics?: AppMetrics,
): Market {
  if (market.kind === 'simulated') {
    const simulated = new SimulatedMarket(market.seed, clock);
    const createFeed = () => new SimulatedFeed(simulated);
    return { provider: simulated, feed: createFeed(), createFeed };
  }
  const budget = new RestBudget(
    clock,
    market.restPerMinute,
    undefined,
    Math.max(1, Math.ceil(market.restPerMinute * USER_SHARE)),
  );
  const callers = new UpstreamCallers();
  const health = new UpstreamHealth(clock);
  const provider = new FinnhubProvider({
    callers,
    apiUrl: market.apiUrl,
    apiKey: market.apiKey,
    timeoutMs: market.timeoutMs,
    budget,
    clock,
    logger,
    onCall: (status) => {
      metrics?.restCalls.inc({ status });
      health.recordCall(status);
    },
  });
  const createFeed = () =>
    new FinnhubStreamFeed({
      wsUrl: market.wsUrl,
      apiKey: market.apiKey,
      provider,
      budget,
      clock,
      logger,
      idleMs: market.wsIdleMs,
      maxSymbols: market.wsMaxSymbols,
      reconnectMinMs: market.wsReconnectMinMs,
      reconnectMaxMs: market.wsReconnectMaxMs,
      pollReserve: POLL_RESERVE,
      maxPolled:
        Math.min(MAX_POLLS_PER_MINUTE, Math.max(0, market.restPerMinute - POLL_RESERVE)) * POLL_ROUND_MINUTES,
      onError: (message) => health.recordError(message),
    });
  return {
    provider,
    feed: createFeed(),
    createFeed,
    restBudgetRemaining: () => budget.remaining(),
    restHealth: () => ({
      ...budget.usage(),
      remaining: budget.remaining(),
      rateLimitedToday: health.rateLimitedToday(),
      lastError: health.lastError(),
    }),
    shareRestBudget: (fraction) => budget.share(fraction),
    callers,
  };
}
