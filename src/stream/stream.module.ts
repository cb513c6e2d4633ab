import type { PricesModule } from '../market/prices/prices.module.js';
import type { ModuleHost } from '../module-host.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { streamRoutes } from './stream.routes.js';
import { StreamHub } from './stream-hub.js';

/** The browsers' live stream: StreamHub (listening to market and watchlist events) and /stream. */
export function streamModule(
  host: ModuleHost,
  { prices, watchlist }: { prices: PricesModule; watchlist: WatchlistService },
): void {
  const { config, clock, metrics, domainEvents } = host.context;
  const streams = new StreamHub(prices.hub, domainEvents, clock, metrics, {
    intervalMs: config.streamIntervalMs,
    highWaterBytes: 64 * 1024,
    stuckMs: 15_000,
    lanes: 4,
    ...host.context.stream,
  });
  host.onClose(() => streams.closeAll());
  host.authenticatedRoutes((api) => streamRoutes(api, { config, hub: prices.hub, watchlist, streams }));
}
