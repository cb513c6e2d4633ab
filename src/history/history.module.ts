import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { BarAggregator } from './bar-aggregator.js';
import { mergeBars } from './history.repository.js';
import { historyRoutes } from './history.routes.js';
import { HistoryService } from './history.service.js';
import { HistoryBackfill } from './history-backfill.js';

const BAR_RETENTION_SWEEP_MS = 60 * 60 * 1000;

/**
 * Price history: every `tick` folded into 1-minute and daily bars and merged into the database once
 * per flush; a symbol's past loaded once when it is added to a watchlist or held in a portfolio; old
 * 1-minute bars pruned; the history and sparkline routes.
 */
export function historyModule(
  host: ModuleHost,
  { prices, watchlist }: { prices: PricesModule; watchlist: WatchlistService },
): void {
  const { database, market, clock, logger, domainEvents } = host.context;
  const bars = new BarAggregator();
  host.writer({
    what: 'price bars',
    table: 'price_bars',
    clusterWide: true,
    source: bars,
    gather: () => bars.follow(prices.hub.events),
    write: (partialBars) => mergeBars(database.db, partialBars),
  });

  const backfill = new HistoryBackfill(database.db, market.provider, clock, logger);
  host.onClose(domainEvents.on('watchlist.symbolAdded', ({ symbol }) => void backfill.ensure(symbol)));
  host.onClose(domainEvents.on('portfolio.symbolHeld', ({ symbol }) => void backfill.ensure(symbol)));
  const history = new HistoryService(database.db, backfill, clock);
  const pruneMinuteBars = async () => {
    const count = await history.pruneMinuteBars();
    if (count > 0) logger.info({ count }, 'deleted 1-minute bars past their retention');
  };
  host.every(BAR_RETENTION_SWEEP_MS, 'deleting old 1-minute bars failed', pruneMinuteBars, { now: true });
  host.authenticatedRoutes((api) => historyRoutes(api, { hub: prices.hub, history, watchlist }));
}
