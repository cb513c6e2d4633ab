import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { streamRoutes } from './stream.routes.js';
import { StreamHub, type StreamOptions } from './stream-hub.js';

/**
 * The browsers' live stream: StreamHub (listening to market and watchlist events, and to alert
 * firings, sent to their user's streams) and /stream.
 */
export function streamModule(
  host: ModuleHost,
  {
    prices,
    watchlist,
    options,
  }: {
    prices: PricesModule;
    watchlist: WatchlistService;
    /** Overrides of the fan-out's tuning (tests and the benchmark). */
    options: Partial<Omit<StreamOptions, 'intervalMs'>>;
  },
): void {
  const { config, clock, metrics, domainEvents } = host.context;
  const streams = new StreamHub(prices.hub, domainEvents, clock, metrics, {
    intervalMs: config.streamIntervalMs,
    highWaterBytes: 64 * 1024,
    stuckMs: 15_000,
    lanes: 4,
    ...options,
  });
  host.onClose(() => streams.closeAll());
  host.onClose(
    domainEvents.on('alert.fired', ({ userId, firing }) =>
      streams.sendToUser(userId, {
        type: 'alert',
        alert: {
          id: firing.id,
          alertId: firing.alertId,
          symbol: firing.symbol,
          kind: firing.kind,
          threshold: firing.threshold,
          price: firing.price,
          firedAt: firing.firedAt.toISOString(),
          message: firing.message,
        },
      }),
    ),
  );
  host.authenticatedRoutes((api) => streamRoutes(api, { config, hub: prices.hub, watchlist, streams }));
}
