import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { assertSameOrigin } from '../http/security.js';
import { currentUser, requireUser } from './auth.hooks.js';
import { loginSchema, logoutSchema, registerSchema, sessionSchema, whoamiSchema } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

export interface AuthRouteLimits {
  /** Register and login requests per address per minute (failed logins have their own, tighter limit). */
  authPerAddressPerMinute: number;
}

export async function authRoutes(
  app: FastifyInstance,
  { auth, config, limits }: { auth: AuthService; config: Config; limits: AuthRouteLimits },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const authRateLimit = { max: limits.authPerAddressPerMinute, timeWindow: 60_000 };

  routes.post(
    '/auth/register',
    { schema: registerSchema, config: { rateLimit: authRateLimit } },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await auth.register({
        ...request.body,
        email: request.body.email.toLowerCase(),
      });
      await endPreviousSession(request);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.code(201).send({ user, csrfToken: session.csrfToken });
    },
  );

  routes.post(
    '/auth/login',
    { schema: loginSchema, config: { rateLimit: authRateLimit } },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await auth.login(request.body, request.ip);
      await endPreviousSession(request);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.send({ user, csrfToken: session.csrfToken });
    },
  );

  routes.post(
    '/auth/logout',
    { onRequest: requireUser(auth), schema: logoutSchema },
    async (request, reply) => {
      await auth.endSession(currentUser(request).tokenHash);
      clearSessionCookie(reply, config);
      return reply.code(204).send();
    },
  );

  routes.get('/auth/session', { onRequest: requireUser(auth), schema: sessionSchema }, async (request) => {
    const session = currentUser(request);
    return { user: session.user, csrfToken: session.csrfToken };
  });

  // The page's start-up question "who is this?", answered 200 for anonymous visitors too: a 401 here
  // would be an error in the browser's console on every visit to the sign-in page.
  routes.get('/auth/whoami', { schema: whoamiSchema }, async (request) =>
    request.auth
      ? { user: request.auth.user, csrfToken: request.auth.csrfToken }
      : { user: null, csrfToken: null },
  );

  /** A new login replaces whatever session the browser had: no session fixation, no orphan rows. */
  async function endPreviousSession(request: FastifyRequest) {
    if (request.auth) await auth.endSession(request.auth.tokenHash);
  }
}
