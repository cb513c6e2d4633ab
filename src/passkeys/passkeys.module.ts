import type { AuthService } from '../auth/auth.service.js';
import { SecurityLog } from '../auth/security-log.js';
import type { ModuleHost } from '../module-host.js';
import { passkeyLoginRoutes, passkeyRoutes } from './passkeys.routes.js';
import { PasskeysService } from './passkeys.service.js';

const CHALLENGE_SWEEP_MS = 60 * 60 * 1000;

/** WebAuthn passkeys: the user's list in settings, and signing in with one; unanswered challenges swept. */
export function passkeysModule(host: ModuleHost, { auth }: { auth: AuthService }): void {
  const { database, clock, config, limits, requestCounter } = host.context;
  const passkeys = new PasskeysService(database.db, clock, auth, new SecurityLog(database.db, clock));
  // The same counter as register and login: a passkey attempt is a sign-in attempt.
  const attemptLimit = requestCounter.limit(
    limits.authPerAddressPerMinute,
    (request) => `auth:${request.ip}`,
  );
  host.publicRoutes((api) => passkeyLoginRoutes(api, { passkeys, auth, config, attemptLimit }));
  host.authenticatedRoutes((api) => passkeyRoutes(api, { passkeys, config }));
  host.every(CHALLENGE_SWEEP_MS, 'passkey challenge sweep failed', () => passkeys.deleteExpiredChallenges());
}
