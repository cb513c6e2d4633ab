import type { ModuleHost } from '../../module-host.js';
import type { PricesModule } from '../../prices/prices.module.js';
import { importsRoutes } from './imports.routes.js';
import { ImportsService } from './imports.service.js';

/** How often expired import previews are deleted. */
const PREVIEW_SWEEP_MS = 10 * 60 * 1000;

/**
 * Importing transactions (a preview kept an hour, then the commit) and exporting them: the service,
 * its routes (the only ones that take multipart bodies) and the sweep of expired previews.
 */
export function importsModule(host: ModuleHost, { hub }: PricesModule): ImportsService {
  const { database, clock, domainEvents } = host.context;
  const imports = new ImportsService(database.db, hub, clock, domainEvents);
  host.every(PREVIEW_SWEEP_MS, 'sweeping expired import previews failed', () => imports.sweep());
  host.authenticatedRoutes((api) => importsRoutes(api, { imports }));
  return imports;
}
