import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { assertSameOrigin } from '../http/security.js';
import { currentUser } from './auth.hooks.js';
import type { AuthService } from './auth.service.js';
import { MAX_PASSWORD_LENGTH } from './password-policy.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

const username = z
  .string({ error: 'Username is required.' })
  .trim()
  .min(3, { error: 'Username must be at least 3 characters.' })
  .max(32, { error: 'Username must be at most 32 characters.' })
  .regex(/^[A-Za-z0-9_.-]+$/, {
    error: 'Username may contain only letters, digits, underscore, dot and dash.',
  });

const registerBody = z.object({
  username,
  email: z
    .string({ error: 'Email is required.' })
    .trim()
    .max(254, { error: 'Email must be at most 254 characters.' })
    .pipe(z.email({ error: 'Enter a valid email address.' })),
  password: z
    .string({ error: 'Password is required.' })
    .min(1, { error: 'Password is required.' })
    .max(MAX_PASSWORD_LENGTH, { error: `Password must be at most ${MAX_PASSWORD_LENGTH} characters.` }),
});

const loginBody = z.object({
  username: z
    .string({ error: 'Username or email is required.' })
    .trim()
    .min(1, { error: 'Username or email is required.' })
    .max(254, { error: 'Username or email is too long.' }),
  password: z
    .string({ error: 'Password is required.' })
    .min(1, { error: 'Password is required.' })
    .max(MAX_PASSWORD_LENGTH, { error: `Password must be at most ${MAX_PASSWORD_LENGTH} characters.` }),
});

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
    { onRequest: attemptLimit, schema: { body: registerBody } },
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
    { onRequest: attemptLimit, schema: { body: loginBody } },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await auth.login(request.body, request.ip);
      await endPreviousSession(request);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.send({ user, csrfToken: session.csrfToken });
    },
  );

  // The page's start-up question "who is this?", answered 200 for anonymous visitors too: a 401 here
  // would be an error in the browser's console on every visit to the sign-in page.
  routes.get(
    '/auth/whoami',
    {
      schema: {
        querystring: z.object({}).strict(),
        response: {
          200: z.object({
            user: z.object({ id: z.string(), username: z.string(), email: z.string() }).nullable(),
            csrfToken: z.string().nullable(),
          }),
        },
      },
    },
    async (request) =>
      request.auth
        ? { user: request.auth.user, csrfToken: request.auth.csrfToken }
        : { user: null, csrfToken: null },
  );

  /** A new login replaces whatever session the browser had: no session fixation, no orphan rows. */
  async function endPreviousSession(request: FastifyRequest) {
    if (request.auth) await auth.endSession(request.auth.tokenHash);
  }
}

/** The signed-in session: who it is (with its CSRF token), and logging out. */
export async function sessionRoutes(
  app: FastifyInstance,
  { auth, config }: { auth: AuthService; config: Config },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/auth/logout', async (request, reply) => {
    await auth.endSession(currentUser(request).tokenHash);
    clearSessionCookie(reply, config);
    return reply.code(204).send();
  });

  routes.get('/auth/session', async (request) => {
    const session = currentUser(request);
    return { user: session.user, csrfToken: session.csrfToken };
  });
}
