import type { ModuleHost } from '../module-host.js';
import { notificationsRoutes } from './notifications.routes.js';

/** The notification centre: what the user was told in the app (firings, paused rules, disabled channels). */
export function notificationsModule(host: ModuleHost): void {
  const { database, clock } = host.context;
  host.authenticatedRoutes((api) => notificationsRoutes(api, { db: database.db, clock }));
}
