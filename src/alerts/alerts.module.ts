import type { DeliveryModule } from '../delivery/delivery.module.js';
import type { ModuleHost } from '../module-host.js';
import type { PortfolioModule } from '../portfolio/portfolio.module.js';
import '../portfolio/portfolio-events.js';
import type { PricesModule } from '../prices/prices.module.js';
import { marketCalendar, portfolioCalendar } from './alert-calendar.js';
import { AlertPreviewer } from './alert-preview.js';
import { alertsRoutes } from './alerts.routes.js';
import { AlertsService } from './alerts.service.js';

const EXPIRY_SWEEP_MS = 60_000;
/** The cluster channel on which a rule's id is told to the leader after it changed. */
const RULE_CHANGES = 'alert-rules';
/** The cluster channel on which a user whose holdings changed is told to the leader. */
const HOLDING_CHANGES = 'alert-holdings';

/**
 * Price alerts: the evaluator on every `tick` (its rules' symbols wanted by the market), the firing
 * writes, the expiry sweep, the backtest, and the /alerts routes. Holding alerts read the ledger's
 * holdings, again after each `portfolio.ledgerChanged`.
 */
export async function alertsModule(
  host: ModuleHost,
  {
    prices,
    delivery,
    portfolio,
  }: { prices: PricesModule; delivery: DeliveryModule; portfolio: PortfolioModule },
): Promise<AlertsService> {
  const { hub } = prices;
  const { config, database, clock, logger, domainEvents, metrics, cluster } = host.context;
  const { bus } = cluster;
  const alerts = new AlertsService({
    db: database.db,
    hub,
    events: domainEvents,
    clock,
    logger,
    calendar: marketCalendar,
    portfolioCalendar,
    holdings: portfolio.holdings,
    alertsPerUser: config.alertsPerUser,
    delivery,
    cluster,
    // In a cluster the leader evaluates every rule: a change made here is told to it.
    announce: (ruleId) => bus?.publish(RULE_CHANGES, ruleId),
    announceHoldings: (userId) => bus?.publish(HOLDING_CHANGES, userId),
    simulated: config.market.kind === 'simulated',
  });
  const holdingsChanged = (userId: string) => {
    alerts
      .holdingsChanged(userId)
      .catch((error: Error) => logger.warn({ reason: error.message }, 'following changed holdings failed'));
  };
  if (bus) {
    await bus.subscribe(RULE_CHANGES, (ruleId) => {
      alerts
        .reload(ruleId)
        .catch((error: Error) => logger.warn({ reason: error.message }, 'reloading an alert rule failed'));
    });
    await bus.subscribe(HOLDING_CHANGES, holdingsChanged);
  }
  host.onClose(domainEvents.on('portfolio.ledgerChanged', ({ userId }) => holdingsChanged(userId)));
  metrics.observeAlerts(() => alerts.activeCount);
  host.onClose(
    domainEvents.on('alert.fired', ({ firing }) => metrics.alertFirings.inc({ kind: firing.kind })),
  );
  host.onClose(domainEvents.on('account.deleted', ({ alertRuleIds }) => alerts.forget(alertRuleIds)));
  host.onClose(await alerts.start());
  host.every(EXPIRY_SWEEP_MS, 'expiring alerts failed', () => alerts.expire(), { now: true });
  const preview = new AlertPreviewer(database.db, hub, clock, marketCalendar, portfolio.holdings);
  host.authenticatedRoutes((api) => alertsRoutes(api, { alerts, preview }));
  return alerts;
}
