import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { assertSameOrigin } from '../http/security.js';
import { currentUser, originOf } from './auth.hooks.js';
import {
  loginSchema,
  logoutSchema,
  registerSchema,
  registrationSchema,
  sessionSchema,
  whoamiSchema,
} from './auth.schemas.js';
import type { AuthService } from './auth.service.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';
import { loginSecondStepRouteSchema } from './two-factor.schemas.js';

/** Register and login, open to anyone; `attemptLimit` counts attempts per address (failed logins have their own, tighter limit). */
export async function authRoutes(
  app: FastifyInstance,
  {
    auth,
    config,
    attemptLimit,
  }: { auth: AuthService; config: Config; attemptLimit: onRequestAsyncHookHandler },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    '/auth/register',
    { onRequest: attemptLimit, schema: registerSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await auth.register(
        { ...request.body, email: request.body.email.toLowerCase() },
        originOf(request),
      );
      await endPreviousSession(request);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.code(201).send({ user, csrfToken: session.csrfToken });
    },
  );

  routes.get('/auth/registration', { schema: registrationSchema }, async () => auth.registrationStatus());

  routes.post('/auth/login', { onRequest: attemptLimit, schema: loginSchema }, async (request, reply) => {
    assertSameOrigin(request, config);
    const outcome = await auth.login(request.body, originOf(request));
    // The password alone grants nothing when a second factor is due: no cookie until the code.
    if ('pendingToken' in outcome) {
      return reply.send({ twoFactorRequired: true as const, pendingToken: outcome.pendingToken });
    }
    await endPreviousSession(request);
    setSessionCookie(reply, config, outcome.session.token, outcome.session.expiresAt);
    return reply.send({ user: outcome.user, csrfToken: outcome.session.csrfToken });
  });

  routes.post(
    '/auth/login/2fa',
    { onRequest: attemptLimit, schema: loginSecondStepRouteSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await auth.completeLogin(request.body, originOf(request));
      await endPreviousSession(request);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.send({ user, csrfToken: session.csrfToken });
    },
  );

  // The page's start-up question "who is this?", answered 200 for anonymous visitors too: a 401 here
  // would be an error in the browser's console on every visit to the sign-in page.
  routes.get('/auth/whoami', { schema: whoamiSchema }, async (request) =>
    request.auth
      ? { user: request.auth.user, csrfToken: request.auth.csrfToken }
      : { user: null, csrfToken: null },
  );

  /** A new login replaces whatever session the browser had: no session fixation, no orphan rows. */
  async function endPreviousSession(request: FastifyRequest) {
    if (request.auth) await auth.endSession(request.auth);
  }
}

/** The signed-in session: who it is (with its CSRF token), and logging out. */
export async function sessionRoutes(
  app: FastifyInstance,
  { auth, config }: { auth: AuthService; config: Config },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/auth/logout', { schema: logoutSchema }, async (request, reply) => {
    await auth.logout(currentUser(request), originOf(request));
    clearSessionCookie(reply, config);
    return reply.code(204).send();
  });

  routes.get('/auth/session', { schema: sessionSchema }, async (request) => {
    const session = currentUser(request);
    return { user: session.user, csrfToken: session.csrfToken };
  });
}
