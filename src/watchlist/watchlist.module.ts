import type { PricesModule } from '../market/prices/prices.module.js';
import type { ModuleHost } from '../module-host.js';
import { watchlistRoutes } from './watchlist.routes.js';
import { WatchlistService } from './watchlist.service.js';

/** Each user's watchlist: the service (emits watchlist.symbolAdded/Removed) and its routes. */
export function watchlistModule(host: ModuleHost, { hub, keyMetrics }: PricesModule): WatchlistService {
  const { database, market, domainEvents } = host.context;
  const watchlist = new WatchlistService(database.db, hub, market.provider, domainEvents, keyMetrics);
  host.authenticatedRoutes((api) => watchlistRoutes(api, { watchlist }));
  return watchlist;
}
