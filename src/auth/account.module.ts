import type { ModuleHost } from '../module-host.js';
import { accountEmailRoutes, accountRoutes } from './account.routes.js';
import { AccountService } from './account.service.js';
import { AccountEmailService } from './account-email.service.js';
import { createAccountMailer } from './account-mail.js';
import type { AuthModule } from './auth.module.js';

/**
 * The user's own account: sessions (list, sign out one or all others), password change, the
 * security log, and (with SMTP) password reset and address confirmation by email.
 */
export function accountModule(host: ModuleHost, { throttle, securityLog }: AuthModule): void {
  const { config, database, clock, domainEvents, logger, requestCounter, limits } = host.context;
  const account = new AccountService({ db: database.db, clock, events: domainEvents, securityLog, throttle });
  const smtp = config.delivery.email;
  const mailer = smtp ? createAccountMailer(smtp) : undefined;
  const email = new AccountEmailService({
    db: database.db,
    clock,
    events: domainEvents,
    securityLog,
    logger,
    mailer,
    // Never the request's Host header: a forged one would mail links to the forger's site.
    linkOrigin: config.publicUrl?.origin ?? `http://${config.host}:${config.port}`,
  });
  if (mailer) {
    host.onClose(domainEvents.on('auth.registered', ({ userId }) => email.sendVerification(userId)));
    host.onClose(async () => {
      await email.drain();
      mailer.close();
    });
  }
  const attemptLimit = requestCounter.limit(
    limits.authPerAddressPerMinute,
    (request) => `auth:${request.ip}`,
  );
  host.publicRoutes((api) => accountEmailRoutes(api, { email, config, attemptLimit }));
  host.authenticatedRoutes((api) => accountRoutes(api, { account, email, config }));
}
