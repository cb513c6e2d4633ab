import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { AppMetrics } from '../../metrics.js';
import { isBinanceSymbol } from '../kernel/symbols.js';
import { AlphaVantageSource } from './alphavantage/alphavantage-source.js';
import { BinanceFeed } from './binance/binance-feed.js';
import { BinanceSource } from './binance/binance-source.js';
import { FinnhubProvider } from './finnhub/finnhub-provider.js';
import { FinnhubStreamFeed } from './finnhub/finnhub-stream-feed.js';
import type { FinnhubConfig, MarketConfig } from './market-config.js';
import type { MarketDataProvider, QuoteFeed } from './provider.js';
import { PollingFeed } from './registry/polling-feed.js';
import { type FeedRoute, RoutedFeed } from './registry/routed-feed.js';
import { SourceRegistry, type SourceState } from './registry/source-registry.js';
import { RestBudget } from './rest-budget.js';
import { SimulatedFeed, SimulatedMarket } from './simulated/simulated-market.js';
import type { MarketSource } from './source.js';
import { UpstreamCallers } from './upstream-callers.js';
import { type RestHealth, UpstreamHealth } from './upstream-health.js';
import { YahooSource } from './yahoo/yahoo-source.js';

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
  /** Each source's breaker, budget and last error, for /metrics and the admin view; absent when simulated. */
  sources?: () => SourceState[];
}

/** One user may start at most this part of the shared per-minute REST budget. */
const USER_SHARE = 1 / 4;
/** REST calls a minute the poller leaves to people's requests (adding, searching, quoting). */
const POLL_RESERVE = 10;
/** The poller asks once a second at most. */
const MAX_POLLS_PER_MINUTE = 60;
/** Each polled symbol should come round within this many minutes (the hub calls a quote stale after 2). */
const POLL_ROUND_MINUTES = 2;

/** Polled symbols: one asked every 2 s keeps 55 within the two minutes before a quote turns stale, and stays a polite 1,800 calls an hour. */
const POLLING = { intervalMs: 2000, maxPolled: 55 } as const;

/**
 * Builds the market from configuration: the simulated market alone, or the source registry over
 * every source that is on (Finnhub with its key, Yahoo Finance and Binance without one, Alpha
 * Vantage with its key) and a feed that routes each wanted symbol to the stream that carries it.
 */
export function createMarket(
  market: MarketConfig,
  clock: Clock,
  logger: Logger,
  metrics?: AppMetrics,
): Market {
  if (market.kind === 'simulated') {
    const simulated = new SimulatedMarket(market.seed, clock);
    const createFeed = () => new SimulatedFeed(simulated);
    return { provider: simulated, feed: createFeed(), createFeed };
  }
  const sources: MarketSource[] = [];
  const finnhub = market.finnhub ? createFinnhub(market.finnhub, clock, logger, metrics) : undefined;
  if (finnhub) sources.push(finnhub.provider);
  const onCall = (source: string) => (status: string) =>
    metrics?.restCalls.inc({ status: `${source} ${status}` });
  if (market.yahoo)
    sources.push(new YahooSource({ ...market.yahoo, clock, logger, onCall: onCall('yahoo') }));
  if (market.binance) {
    sources.push(
      new BinanceSource({
        apiUrl: market.binance.apiUrl,
        timeoutMs: market.binance.timeoutMs,
        clock,
        onCall: onCall('binance'),
      }),
    );
  }
  if (market.alphaVantage) {
    sources.push(
      new AlphaVantageSource({ ...market.alphaVantage, clock, logger, onCall: onCall('alphavantage') }),
    );
  }
  const registry = new SourceRegistry({
    sources,
    order: market.order,
    clock,
    logger,
    onCall: (source, outcome) => metrics?.sourceCalls.inc({ source, outcome }),
  });
  const createFeed = () => {
    const routes: FeedRoute[] = [];
    for (const id of market.order.live_trades) {
      if (id === 'binance' && market.binance) {
        routes.push({
          feed: new BinanceFeed({ wsUrl: market.binance.wsUrl, clock, logger }),
          takes: isBinanceSymbol,
        });
      } else if (id === 'finnhub' && finnhub) {
        const provider = finnhub.provider;
        routes.push({
          feed: finnhub.createFeed(),
          takes: (symbol) => provider.serves('live_trades', symbol),
        });
      }
    }
    routes.push({ feed: new PollingFeed({ provider: registry, logger, ...POLLING }), takes: () => true });
    return new RoutedFeed(routes);
  };
  return {
    provider: registry,
    feed: createFeed(),
    createFeed,
    sources: () => registry.states(),
    ...(finnhub?.budgetAccess ?? {}),
  };
}

/** Finnhub's provider, its REST budget (shared with each user's fair part) and its socket feed. */
function createFinnhub(config: FinnhubConfig, clock: Clock, logger: Logger, metrics: AppMetrics | undefined) {
  const budget = new RestBudget(
    clock,
    config.restPerMinute,
    undefined,
    Math.max(1, Math.ceil(config.restPerMinute * USER_SHARE)),
  );
  const callers = new UpstreamCallers();
  const health = new UpstreamHealth(clock);
  const provider = new FinnhubProvider({
    callers,
    apiUrl: config.apiUrl,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
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
      wsUrl: config.wsUrl,
      apiKey: config.apiKey,
      provider,
      budget,
      clock,
      logger,
      idleMs: config.wsIdleMs,
      maxSymbols: config.wsMaxSymbols,
      reconnectMinMs: config.wsReconnectMinMs,
      reconnectMaxMs: config.wsReconnectMaxMs,
      pollReserve: POLL_RESERVE,
      maxPolled:
        Math.min(MAX_POLLS_PER_MINUTE, Math.max(0, config.restPerMinute - POLL_RESERVE)) * POLL_ROUND_MINUTES,
      onError: (message) => health.recordError(message),
    });
  const budgetAccess: Pick<Market, 'restBudgetRemaining' | 'restHealth' | 'shareRestBudget' | 'callers'> = {
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
  return { provider, createFeed, budgetAccess };
}
