import type { AuthService } from '../auth/auth.service.js';
import { SecurityLog } from '../auth/security-log.js';
import type { ModuleHost } from '../module-host.js';
import { adminRoutes } from './admin.routes.js';
import { AUDIT_PAGE } from './admin.schemas.js';
import { AdminService, generatePassword } from './admin.service.js';
import { runAdminCommand } from './admin-commands.js';
import type { HealthSources } from './admin-health.js';
import { listenAdminSocket } from './admin-socket.js';

/**
 * Running the instance: the /admin routes (users, invitations, health, audit log) over the
 * AdminService that `npm run admin` uses too. What it shows of other modules comes in as read-only
 * functions (`health`); a deleted account is announced as DELETE /me announces it.
 * With `socketPath` (the embedded database, which only this process may open) `npm run admin`
 * commands are run here, sent over a Unix socket.
 */
export async function adminModule(
  host: ModuleHost,
  { auth, health, socketPath }: { auth: AuthService; health: HealthSources; socketPath?: string },
): Promise<AdminService> {
  const { database, clock, config, domainEvents, logger } = host.context;
  const admin = new AdminService({
    db: database.db,
    clock,
    auth,
    securityLog: new SecurityLog(database.db, clock),
    events: domainEvents,
    publicUrl: config.publicUrl,
    auditPage: AUDIT_PAGE,
  });
  host.authenticatedRoutes((api) => adminRoutes(api, { admin, health }));
  if (socketPath) {
    try {
      const socket = await listenAdminSocket(socketPath, (command) =>
        runAdminCommand(admin, command, generatePassword),
      );
      host.onClose(() => new Promise((resolve) => socket.close(resolve)));
    } catch (error) {
      // The app serves without it; only `npm run admin` must wait for the server to stop.
      logger.warn(
        { path: socketPath, reason: (error as Error).message },
        'the admin socket could not be opened: npm run admin works only while the server is stopped',
      );
    }
  }
  return admin;
}
