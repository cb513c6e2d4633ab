import type { ModuleHost } from '../module-host.js';
import { registerSessionLoading } from './auth.hooks.js';
import { authRoutes, sessionRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';

const SESSION_SWEEP_MS = 60 * 60 * 1000;

/** Accounts and sessions: loads every /api request's session, register/login/logout, expired-session sweep. */
export function authModule(host: ModuleHost): AuthService {
  const { database, clock, config, limits, requestCounter, cluster } = host.context;
  const auth = new AuthService(
    database.db,
    clock,
    new LoginThrottle(clock, limits, cluster.bus),
    config.sessionTtlMs,
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
  host.every(SESSION_SWEEP_MS, 'session sweep failed', () => auth.deleteExpiredSessions());
  return auth;
}
