import type { ModuleHost } from '../../module-host.js';
import type { PricesModule } from '../../prices/prices.module.js';
import { performanceRoutes } from './performance.routes.js';
import { PerformanceService } from './performance.service.js';

/** Portfolio performance: time-weighted and money-weighted returns and the daily value, at GET /performance. */
export function performanceModule(host: ModuleHost, { hub }: PricesModule): void {
  const { database, clock } = host.context;
  const performance = new PerformanceService(database.db, hub, clock);
  host.authenticatedRoutes((api) => performanceRoutes(api, { performance }));
}
