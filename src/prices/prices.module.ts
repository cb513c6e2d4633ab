import { optionalCallerId } from '../auth/access.js';
import type { ModuleHost } from '../module-host.js';
import { ChangedQuotes } from './changed-quotes.js';
import { KeyMetricsCache } from './key-metrics.js';
import { loadLastQuotes, saveLastQuotes } from './last-quote.repository.js';
import { marketRoutes } from './market.routes.js';
import { MarketStatusService } from './market-status.js';
import { PriceHub } from './price-hub.js';
import { SymbolSearch } from './symbol-search.js';

export interface PricesModule {
  hub: PriceHub;
  keyMetrics: KeyMetricsCache;
}

/**
 * Live prices: the hub over the market's feed (preloaded with the last quotes saved), their
 * persistence and metrics (both listening to `quote.updated`), the caches and market status, and
 * the /quotes, /symbols/search and /market/status routes. Closing stops the feed.
 */
export async function pricesModule(host: ModuleHost): Promise<PricesModule> {
  const { config, database, market, metrics, clock, logger } = host.context;
  const { provider, feed } = market;
  metrics.observe({
    upstream: () => feed.upstream(),
    coverage: () => feed.coverage(),
    restBudgetRemaining: market.restBudgetRemaining,
    ...(market.sources ? { sources: market.sources } : {}),
  });

  // Provider calls made while serving a request count against its user's fair share of the REST
  // budget; registered after the auth and token modules' hooks, so the caller (session or token) is known by then.
  const { callers } = market;
  if (callers) {
    host.app.addHook('onRequest', (request, _reply, done) => callers.runAs(optionalCallerId(request), done));
  }

  const hub = new PriceHub({
    provider,
    feed,
    clock,
    logger,
    freshMs: config.quoteFreshMs,
    staleAfterMs: Math.max(config.quoteFreshMs, 120_000),
  });
  hub.preload(await loadLastQuotes(database.db));
  host.onClose(hub.events.on('quote.updated', () => metrics.countTickIngested()));
  const changed = new ChangedQuotes();
  host.writer({
    what: 'last quotes',
    table: 'last_quotes',
    clusterWide: true,
    source: changed,
    gather: () => changed.follow(hub.events),
    write: (quotes) => saveLastQuotes(database.db, quotes, new Date(clock.now())),
  });
  host.onClose(() => feed.close());

  const marketStatus = new MarketStatusService(provider, clock, logger);
  host.onClose(() => marketStatus.stop());
  const keyMetrics = new KeyMetricsCache(provider, clock, logger);
  const search = new SymbolSearch(provider, clock);
  host.authenticatedRoutes((api) => marketRoutes(api, { hub, search, marketStatus, keyMetrics }));
  return { hub, keyMetrics };
}
