import type { DeliveryModule } from '../delivery/delivery.module.js';
import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import { marketCalendar } from './alert-calendar.js';
import { AlertPreviewer } from './alert-preview.js';
import { alertsRoutes } from './alerts.routes.js';
import { AlertsService } from './alerts.service.js';

const EXPIRY_SWEEP_MS = 60_000;

/**
 * Price alerts: the evaluator on every `tick` (its rules' symbols wanted by the market), the firing
 * writes, the expiry sweep, the backtest, and the /alerts routes.
 */
export async function alertsModule(
  host: ModuleHost,
  { prices, delivery }: { prices: PricesModule; delivery: DeliveryModule },
): Promise<AlertsService> {
  const { hub } = prices;
  const { config, database, clock, logger, domainEvents, metrics } = host.context;
  const alerts = new AlertsService({
    db: database.db,
    hub,
    events: domainEvents,
    clock,
    logger,
    calendar: marketCalendar,
    alertsPerUser: config.alertsPerUser,
    delivery,
    simulated: config.market.kind === 'simulated',
  });
  metrics.observeAlerts(() => alerts.activeCount);
  host.onClose(
    domainEvents.on('alert.fired', ({ firing }) => metrics.alertFirings.inc({ kind: firing.kind })),
  );
  host.onClose(await alerts.start());
  host.every(EXPIRY_SWEEP_MS, 'expiring alerts failed', () => alerts.expire(), { now: true });
  const preview = new AlertPreviewer(database.db, hub, clock, marketCalendar);
  host.authenticatedRoutes((api) => alertsRoutes(api, { alerts, preview }));
  return alerts;
}
