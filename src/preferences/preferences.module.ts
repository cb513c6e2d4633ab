import type { ModuleHost } from '../module-host.js';
import { preferencesRoutes } from './preferences.routes.js';
import { PreferencesService } from './preferences.service.js';

/** Per-user display settings. */
export function preferencesModule(host: ModuleHost): void {
  const preferences = new PreferencesService(host.context.database.db);
  host.authenticatedRoutes((api) => preferencesRoutes(api, { preferences }));
}
