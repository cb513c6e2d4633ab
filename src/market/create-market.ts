import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { FinnhubProvider } from './finnhub/finnhub-provider.js';
import { PollingFeed } from './finnhub/polling-feed.js';
import { RestBudget } from './finnhub/rest-budget.js';
import { SimulatedFeed, SimulatedMarket } from './simulated/simulated-market.js';
import type { MarketDataProvider, QuoteFeed } from './types.js';

/** Picks the market-data source from configuration: Finnhub with a key, the simulated market without. */
export function createMarket(
  market: Config['market'],
  clock: Clock,
  logger: Logger,
): { provider: MarketDataProvider; feed: QuoteFeed } {
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
  });
  return { provider, feed: new PollingFeed(provider, budget, logger) };
}
