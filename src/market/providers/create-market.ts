import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { AppMetrics } from '../../metrics.js';
import { FinnhubProvider } from './finnhub/finnhub-provider.js';
import { FinnhubStreamFeed } from './finnhub/finnhub-stream-feed.js';
import { RestBudget } from './finnhub/rest-budget.js';
import type { MarketDataProvider, QuoteFeed } from './provider.js';
import { SimulatedFeed, SimulatedMarket } from './simulated/simulated-market.js';

export interface Market {
  provider: MarketDataProvider;
  feed: QuoteFeed;
  /** REST calls left this minute, for metrics; absent for the simulated market. */
  restBudgetRemaining?: () => number;
}

/** Picks the market-data source from configuration: Finnhub with a key, the simulated market without. */
export function createMarket(
  market: Config['market'],
  clock: Clock,
  logger: Logger,
  metrics?: AppMetrics,
): Market {
  if (market.kind === 'simulated') {
    const simulated = new SimulatedMarket(market.seed, clock);
    return { provider: simulated, feed: new SimulatedFeed(simulated) };
  }
  const budget = new RestBudget(clock, market.restPerMinute);
  const provider = new FinnhubProvider({
    apiUrl: market.apiUrl,
    apiKey: market.apiKey,
    timeoutMs: market.timeoutMs,
    budget,
    logger,
    onCall: metrics ? (status) => metrics.restCalls.inc({ status }) : undefined,
  });
  const feed = new FinnhubStreamFeed({
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
  });
  return { provider, feed, restBudgetRemaining: () => budget.remaining() };
}
