import type { DeliveryModule } from '../delivery/delivery.module.js';
import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import { marketCalendar } from './alert-calendar.js';
import { AlertPreviewer } from './alert-preview.js';
import { alertsRoutes } from './alerts.routes.js';
import { AlertsService } from './alerts.service.js';

const EXPIRY_SWEEP_MS = 60_000;
/** The cluster channel on which a rule's id is told to the leader after it changed. */
const RULE_CHANGES = 'alert-rules';

/**
 * Price alerts: the evaluator on every `tick` (its rules' symbols wanted by the market), the firing
 * writes, the expiry sweep, the backtest, and the /alerts routes.
 */
export async function alertsModule(
  host: ModuleHost,
  { prices, delivery }: { prices: PricesModule; delivery: DeliveryModule },
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
    alertsPerUser: config.alertsPerUser,
    delivery,
    cluster,
    // In a cluster the leader evaluates every rule: a change made here is told to it.
    announce: (ruleId) => bus?.publish(RULE_CHANGES, ruleId),
    simulated: config.market.kind === 'simulated',
  });
  if (bus) {
    await bus.subscribe(RULE_CHANGES, (ruleId) => {
      alerts
        .reload(ruleId)
        .catch((error: Error) => logger.warn({ reason: error.message }, 'reloading an alert rule failed'));
    });
  }
  metrics.observeAlerts(() => alerts.activeCount);
  host.onClose(
    domainEvents.on('alert.fired', ({ firing }) => metrics.alertFirings.inc({ kind: firing.kind })),
  );
  host.onClose(domainEvents.on('account.deleted', ({ alertRuleIds }) => alerts.forget(alertRuleIds)));
  host.onClose(await alerts.start());
  host.every(EXPIRY_SWEEP_MS, 'expiring alerts failed', () => alerts.expire(), { now: true });
  const preview = new AlertPreviewer(database.db, hub, clock, marketCalendar);
  host.authenticatedRoutes((api) => alertsRoutes(api, { alerts, preview }));
  return alerts;
}
