import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AuthenticatedSession, AuthService } from './auth.service.js';
import { readSessionToken, setSessionCookie } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session the request's cookie belongs to, or null. Loaded for every /api request. */
    auth: AuthenticatedSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerSessionLoading(app: FastifyInstance, auth: AuthService, config: Config): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const token = readSessionToken(request, config);
    if (!token) return;
    request.auth = await auth.authenticate(token);
    if (request.auth?.renewedUntil) setSessionCookie(reply, config, token, request.auth.renewedUntil);
  });
}

/**
 * onRequest hook for routes that need a logged-in user, so a request without a session is told 401
 * before its body is even parsed. A state-changing request must also carry the
 * session's CSRF token in X-CSRF-Token: the cookie alone proves nothing about who sent the request.
 */
export function requireUser(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!request.auth) throw new AppError('unauthenticated');
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!auth.csrfMatches(request.auth, Array.isArray(header) ? header[0] : header)) {
        throw new AppError('csrf_failed');
      }
    }
  };
}

/** The authenticated user of a request that passed `requireUser`. */
export function currentUser(request: FastifyRequest): AuthenticatedSession {
  if (!request.auth) throw new AppError('unauthenticated');
  return request.auth;
}
