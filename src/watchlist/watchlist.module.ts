import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import { watchlistRoutes } from './watchlist.routes.js';
import { WatchlistService } from './watchlist.service.js';

/**
 * Each user's watchlist: the service (emits watchlist.symbolAdded/Removed) and its routes. Every
 * symbol on a watchlist is wanted by the market demand (one 'watchlist' holder per list), from the
 * start and as lists change, so its prices and history are recorded with no browser open.
 */
export async function watchlistModule(
  host: ModuleHost,
  { hub, keyMetrics }: PricesModule,
): Promise<WatchlistService> {
  const { database, market, domainEvents } = host.context;
  const watchlist = new WatchlistService(database.db, hub, market.provider, domainEvents, keyMetrics);
  host.onClose(domainEvents.on('watchlist.symbolAdded', ({ symbol }) => hub.demand.add(symbol, 'watchlist')));
  host.onClose(
    domainEvents.on('watchlist.symbolRemoved', ({ symbol }) => hub.demand.remove(symbol, 'watchlist')),
  );
  for (const { symbol, holders } of await watchlist.holders()) hub.demand.add(symbol, 'watchlist', holders);
  host.authenticatedRoutes((api) => watchlistRoutes(api, { watchlist }));
  return watchlist;
}
