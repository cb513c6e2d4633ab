import type { AuthModule } from '../auth/auth.module.js';
import type { ModuleHost } from '../module-host.js';
import { accountDataRoutes } from './account-data.routes.js';
import { AccountDataService } from './account-data.service.js';

/** The account as the user's own: `GET /me/export` and `DELETE /me`. */
export function accountDataModule(host: ModuleHost, { twoFactor, securityLog }: AuthModule): void {
  const { database, clock, config, domainEvents } = host.context;
  const account = new AccountDataService({
    db: database.db,
    clock,
    twoFactor,
    securityLog,
    events: domainEvents,
  });
  host.authenticatedRoutes((api) => accountDataRoutes(api, { account, config }));
}
