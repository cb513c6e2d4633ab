import type { ModuleHost } from '../module-host.js';
import { profileRoutes } from './profile.routes.js';
import { ProfileService } from './profile.service.js';

/** Company profiles and logos, cached in the database. */
export function profilesModule(host: ModuleHost): void {
  const { database, market, clock, logger } = host.context;
  const profiles = new ProfileService(database.db, market.provider, clock, logger);
  host.authenticatedRoutes((api) => profileRoutes(api, { profiles }));
}
