import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import { HoldingDemand } from './holding-demand.js';
import { HoldingsService } from './holdings.service.js';
import { LedgerService } from './ledger.service.js';
import type { HoldingsView } from './portfolio.schemas.js';
import './portfolio-events.js';
import { portfolioRoutes } from './portfolio.routes.js';

/** What others read of the portfolio (the stream, the holding alerts). */
export interface PortfolioModule {
  /** The symbols (and forex pairs) `userId` holds now. */
  heldSymbols(userId: string): ReadonlySet<string>;
  /** The user's holdings over every account, under their settings (from the kept replay). */
  holdings(userId: string): Promise<HoldingsView>;
}

/**
 * The portfolio (issue 12): settings, accounts, transactions and holdings. Every held symbol and the
 * forex pair of every currency in use is wanted by the market (`holding` demand: from the database
 * at start, then after each stored ledger change, announcing new ones as `portfolio.symbolHeld`);
 * a deleted account's go.
 */
export async function portfolioModule(host: ModuleHost, { hub }: PricesModule): Promise<PortfolioModule> {
  const { database, clock, logger, domainEvents } = host.context;
  const holdings = new HoldingsService({ db: database.db, hub, clock });
  const ledger = new LedgerService({
    db: database.db,
    hub,
    clock,
    events: domainEvents,
    cashOf: (userId) => holdings.cash(userId),
  });
  const demand = new HoldingDemand(database.db, hub, domainEvents, logger);
  host.onClose(
    domainEvents.on('portfolio.ledgerChanged', ({ userId }) => {
      demand.refresh(userId).catch((error: Error) => {
        logger.warn({ reason: error.message }, 'following the held symbols failed');
      });
    }),
  );
  host.onClose(domainEvents.on('account.deleted', ({ userId }) => demand.forget(userId)));
  await demand.loadAll();
  host.authenticatedRoutes((api) => portfolioRoutes(api, { ledger, holdings }));
  return {
    heldSymbols: (userId) => demand.symbols(userId),
    holdings: (userId) => holdings.holdings(userId, {}),
  };
}
