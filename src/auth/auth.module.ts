import type { ModuleHost } from '../module-host.js';
import { registerSessionLoading } from './auth.hooks.js';
import { authRoutes, sessionRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';
import { SecurityLog } from './security-log.js';
import { twoFactorRoutes } from './two-factor.routes.js';
import { TwoFactorService } from './two-factor.service.js';

const SESSION_SWEEP_MS = 60 * 60 * 1000;
const PENDING_LOGIN_SWEEP_MS = 10 * 60 * 1000;

/**
 * What other domains use of accounts: sessions started the same way (passkeys), the same
 * failed-login counts, the same log, re-checking a password and code before a grave change.
 */
export interface AuthModule {
  auth: AuthService;
  throttle: LoginThrottle;
  twoFactor: TwoFactorService;
  securityLog: SecurityLog;
}

/**
 * Accounts and sessions: loads every /api request's session, register/login (with the two-factor
 * second step)/logout, two-factor settings, expired-session and pending-login sweeps.
 */
export function authModule(host: ModuleHost): AuthModule {
  const { database, clock, config, limits, requestCounter, cluster, domainEvents } = host.context;
  const throttle = new LoginThrottle(clock, limits, cluster.bus);
  const securityLog = new SecurityLog(database.db, clock);
  const twoFactor = new TwoFactorService(database.db, clock, throttle, securityLog);
  const auth = new AuthService(
    database.db,
    clock,
    throttle,
    config.sessionTtlMs,
    twoFactor,
    domainEvents,
    securityLog,
    config.registration,
  );
  registerSessionLoading(host.app, {
    auth,
    config,
    counter: requestCounter,
    perUserPerMinute: limits.perUserPerMinute,
  });
  const attemptLimit = requestCounter.limit(
    limits.authPerAddressPerMinute,
    (request) => `auth:${request.ip}`,
  );
  host.publicRoutes((api) => authRoutes(api, { auth, config, attemptLimit }));
  host.authenticatedRoutes((api) => sessionRoutes(api, { auth, config }));
  host.authenticatedRoutes((api) => twoFactorRoutes(api, { twoFactor }));
  host.every(SESSION_SWEEP_MS, 'session sweep failed', () => auth.deleteExpiredSessions());
  host.every(PENDING_LOGIN_SWEEP_MS, 'pending-login sweep failed', () => twoFactor.deleteExpired());
  return { auth, throttle, twoFactor, securityLog };
}
