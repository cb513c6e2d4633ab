import type { AuthService } from '../auth/auth.service.js';
import { SecurityLog } from '../auth/security-log.js';
import type { ModuleHost } from '../module-host.js';
import { adminRoutes } from './admin.routes.js';
import { AUDIT_PAGE } from './admin.schemas.js';
import { AdminService, type ReleaseUserData } from './admin.service.js';
import type { HealthSources } from './admin-health.js';

/**
 * Running the instance: the /admin routes (users, invitations, health, audit log) over the
 * AdminService that `npm run admin` uses too. What it shows of other modules comes in as read-only
 * functions (`health`), and what they keep of a user in memory is released through `releaseUserData`.
 */
export function adminModule(
  host: ModuleHost,
  {
    auth,
    health,
    releaseUserData,
  }: { auth: AuthService; health: HealthSources; releaseUserData: ReleaseUserData },
): AdminService {
  const { database, clock, config, domainEvents } = host.context;
  const admin = new AdminService({
    db: database.db,
    clock,
    auth,
    securityLog: new SecurityLog(database.db, clock),
    events: domainEvents,
    releaseUserData,
    publicUrl: config.publicUrl,
    auditPage: AUDIT_PAGE,
  });
  host.authenticatedRoutes((api) => adminRoutes(api, { admin, health }));
  return admin;
}
