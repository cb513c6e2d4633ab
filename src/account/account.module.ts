import type { AuthModule } from '../auth/auth.module.js';
import type { ModuleHost } from '../module-host.js';
import { accountRoutes } from './account.routes.js';
import { AccountService } from './account.service.js';

/** The account as the user's own: `GET /me/export` and `DELETE /me`. */
export function accountModule(host: ModuleHost, { twoFactor, securityLog }: AuthModule): void {
  const { database, clock, config, domainEvents } = host.context;
  const account = new AccountService({
    db: database.db,
    clock,
    twoFactor,
    securityLog,
    events: domainEvents,
  });
  host.authenticatedRoutes((api) => accountRoutes(api, { account, config }));
}
