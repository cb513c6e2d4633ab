import type { ModuleHost } from '../module-host.js';
import { registerSessionLoading } from './auth.hooks.js';
import { authRoutes, sessionRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';
import { SecurityLog } from './security-log.js';

const SESSION_SWEEP_MS = 60 * 60 * 1000;

/** What the account module shares with auth: the same failed-login counts, the same log. */
export interface AuthModule {
  auth: AuthService;
  throttle: LoginThrottle;
  securityLog: SecurityLog;
}

/**
 * Accounts and sessions: loads every /api request's session, register/login/logout, expired-session
 * sweep. Shares its AuthService with the modules that sign users in another way (passkeys).
 */
export function authModule(host: ModuleHost): AuthModule {
  const { database, clock, config, limits, requestCounter, cluster, domainEvents } = host.context;
  const throttle = new LoginThrottle(clock, limits, cluster.bus);
  const securityLog = new SecurityLog(database.db, clock);
  const auth = new AuthService(database.db, clock, throttle, config.sessionTtlMs, domainEvents, securityLog);
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
  host.every(SESSION_SWEEP_MS, 'session sweep failed', () => auth.deleteExpiredSessions());
  return { auth, throttle, securityLog };
}
