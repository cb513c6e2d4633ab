import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { assertSameOrigin } from '../http/security.js';
import {
  changePasswordRouteSchema,
  confirmPasswordResetRouteSchema,
  emailVerificationRouteSchema,
  endOtherSessionsRouteSchema,
  endSessionRouteSchema,
  listSessionsRouteSchema,
  passwordResetAvailableRouteSchema,
  requestPasswordResetRouteSchema,
  resendVerificationRouteSchema,
  securityLogRouteSchema,
  verifyEmailRouteSchema,
} from './account.schemas.js';
import type { AccountService, SecurityLogCursor } from './account.service.js';
import type { AccountEmailService } from './account-email.service.js';
import { currentUser, originOf } from './auth.hooks.js';
import { clearSessionCookie } from './session-cookie.js';

/** The signed-in user's own account under /me: sessions, password, security log, address confirmation. */
export async function accountRoutes(
  app: FastifyInstance,
  { account, email, config }: { account: AccountService; email: AccountEmailService; config: Config },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/me/sessions', { schema: listSessionsRouteSchema }, async (request) => {
    const sessions = await account.sessions(currentUser(request));
    return {
      items: sessions.map((session) => ({
        ...session,
        createdAt: session.createdAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
      })),
    };
  });

  routes.delete('/me/sessions/:id', { schema: endSessionRouteSchema }, async (request, reply) => {
    const wasCurrent = await account.endSession(currentUser(request), request.params.id, originOf(request));
    if (wasCurrent) clearSessionCookie(reply, config);
    return reply.code(204).send();
  });

  routes.post('/me/sessions/end-others', { schema: endOtherSessionsRouteSchema }, async (request) => ({
    sessionsEnded: await account.endOtherSessions(currentUser(request), originOf(request)),
  }));

  routes.post('/me/password', { schema: changePasswordRouteSchema }, async (request) => ({
    sessionsEnded: await account.changePassword(currentUser(request), request.body, originOf(request)),
  }));

  routes.get('/me/security-log', { schema: securityLogRouteSchema }, async (request) => {
    const { limit, before } = request.query;
    const page = await account.securityLog(currentUser(request).user.id, {
      limit,
      before: before === undefined ? undefined : parseCursor(before),
    });
    return {
      items: page.items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })),
      next: page.next && `${page.next.createdAt.toISOString()}_${page.next.id}`,
    };
  });

  routes.get('/me/email-verification', { schema: emailVerificationRouteSchema }, async (request) => ({
    ...(await email.verificationStatus(currentUser(request).user.id)),
    available: email.available,
  }));

  routes.post('/me/email-verification', { schema: resendVerificationRouteSchema }, async (request, reply) => {
    email.sendVerification(currentUser(request).user.id);
    return reply.code(202).send();
  });
}

/** Password reset and address confirmation from a mailed link: open to anyone, limited per address. */
export async function accountEmailRoutes(
  app: FastifyInstance,
  {
    email,
    config,
    attemptLimit,
  }: { email: AccountEmailService; config: Config; attemptLimit: onRequestAsyncHookHandler },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/auth/password-reset', { schema: passwordResetAvailableRouteSchema }, async () => ({
    available: email.available,
  }));

  routes.post(
    '/auth/password-reset',
    { onRequest: attemptLimit, schema: requestPasswordResetRouteSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      email.requestPasswordReset(request.body.email, originOf(request));
      return reply.code(202).send();
    },
  );

  routes.post(
    '/auth/password-reset/confirm',
    { onRequest: attemptLimit, schema: confirmPasswordResetRouteSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      await email.confirmPasswordReset(request.body, originOf(request));
      return reply.code(204).send();
    },
  );

  routes.post(
    '/auth/verify-email',
    { onRequest: attemptLimit, schema: verifyEmailRouteSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      await email.verifyEmail(request.body.token, originOf(request));
      return reply.code(204).send();
    },
  );
}

/** The `before` of a security log page: the time and id of the previous page's last row. */
function parseCursor(before: string): SecurityLogCursor {
  const separator = before.indexOf('_');
  return { createdAt: new Date(before.slice(0, separator)), id: before.slice(separator + 1) };
}
