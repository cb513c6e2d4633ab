import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { RequestCounter } from '../http/request-limits.js';
import type { AuthenticatedSession, AuthService } from './auth.service.js';
import { bearerTokenOf } from './bearer.js';
import type { RequestOrigin } from './security-log.js';
import { readSessionToken, setSessionCookie } from './session-cookie.js';
import { tokensEqual } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session the request's cookie belongs to, or null. Loaded for every /api request. */
    auth: AuthenticatedSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Loads the session of every /api request from its cookie, then counts the request against its
 * user's limit. Registered after the per-address limit, so a flood is refused before this looks
 * anything up.
 */
export function registerSessionLoading(
  app: FastifyInstance,
  {
    auth,
    config,
    counter,
    perUserPerMinute,
  }: {
    auth: AuthService;
    config: Config;
    counter: RequestCounter;
    perUserPerMinute: number;
  },
): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    // A request that presents an API token is that token's, never also a cookie's.
    if (!request.url.startsWith('/api/') || bearerTokenOf(request) !== undefined) return;
    const token = readSessionToken(request, config);
    if (!token) return;
    request.auth = await auth.authenticate(token);
    if (request.auth?.renewedUntil) setSessionCookie(reply, config, token, request.auth.renewedUntil);
  });
  app.addHook(
    'onRequest',
    counter.limit(perUserPerMinute, (request) => (request.auth ? `user:${request.auth.user.id}` : undefined)),
  );
}

/**
 * onRequest hook of the authenticated route group: a request without a session is told 401 before
 * its body is even parsed. A state-changing request must also carry the session's CSRF token in
 * X-CSRF-Token: the cookie alone proves nothing about who sent the request.
 */
export async function requireSession(request: FastifyRequest): Promise<void> {
  if (!request.auth) throw new AppError('unauthenticated');
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    const sent = Array.isArray(header) ? header[0] : header;
    if (typeof sent !== 'string' || !tokensEqual(sent, request.auth.csrfToken))
      throw new AppError('csrf_failed');
  }
}

/** The authenticated user of a request in the authenticated group. */
export function currentUser(request: FastifyRequest): AuthenticatedSession {
  if (!request.auth) throw new AppError('unauthenticated');
  return request.auth;
}

/** Where a request came from, as sessions and the security log keep it. */
export function originOf(request: FastifyRequest): RequestOrigin & { address: string } {
  const userAgent = request.headers['user-agent'];
  return { address: request.ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null };
}
