import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser, originOf } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { assertSameOrigin } from '../http/security.js';
import {
  deletePasskeyRouteSchema,
  listPasskeysRouteSchema,
  loginOptionsRouteSchema,
  loginVerifyRouteSchema,
  registrationOptionsRouteSchema,
  registrationVerifyRouteSchema,
  renamePasskeyRouteSchema,
} from './passkeys.schemas.js';
import type { PasskeysService, RelyingParty } from './passkeys.service.js';

/** Adding, listing, renaming and removing the signed-in user's passkeys (session only, no token). */
export async function passkeyRoutes(
  app: FastifyInstance,
  { passkeys, config }: { passkeys: PasskeysService; config: Config },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/me/passkeys/register/options', { schema: registrationOptionsRouteSchema }, async (request) =>
    passkeys.registrationOptions(currentUser(request).user, relyingParty(request, config)),
  );

  routes.post(
    '/me/passkeys/register/verify',
    { schema: registrationVerifyRouteSchema },
    async (request, reply) => {
      const passkey = await passkeys.register(
        currentUser(request).user,
        request.body,
        relyingParty(request, config),
        originOf(request),
      );
      return reply.code(201).send({ passkey });
    },
  );

  routes.get('/me/passkeys', { schema: listPasskeysRouteSchema }, async (request) => ({
    items: await passkeys.list(currentUser(request).user.id),
  }));

  routes.patch('/me/passkeys/:id', { schema: renamePasskeyRouteSchema }, async (request) => ({
    passkey: await passkeys.rename(currentUser(request).user.id, request.params.id, request.body.name),
  }));

  routes.delete('/me/passkeys/:id', { schema: deletePasskeyRouteSchema }, async (request, reply) => {
    await passkeys.remove(currentUser(request).user.id, request.params.id, originOf(request));
    return reply.code(204).send();
  });
}

/**
 * Signing in with a passkey, open to anyone; `attemptLimit` counts these with register and login
 * per address.
 */
export async function passkeyLoginRoutes(
  app: FastifyInstance,
  {
    passkeys,
    auth,
    config,
    attemptLimit,
  }: {
    passkeys: PasskeysService;
    auth: AuthService;
    config: Config;
    attemptLimit: onRequestAsyncHookHandler;
  },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    '/auth/passkeys/login/options',
    { onRequest: attemptLimit, schema: loginOptionsRouteSchema },
    async (request) => {
      assertSameOrigin(request, config);
      return passkeys.loginOptions(relyingParty(request, config));
    },
  );

  routes.post(
    '/auth/passkeys/login/verify',
    { onRequest: attemptLimit, schema: loginVerifyRouteSchema },
    async (request, reply) => {
      assertSameOrigin(request, config);
      const { user, session } = await passkeys.login(
        request.body.response,
        relyingParty(request, config),
        originOf(request),
      );
      // As a password login: a new sign-in replaces whatever session the browser had.
      if (request.auth) await auth.endSession(request.auth);
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply.send({ user, csrfToken: session.csrfToken });
    },
  );
}

/**
 * The relying party: PUBLIC_URL's origin and hostname when it is set, else the origin the request
 * was made to (its scheme and Host, as the Origin check compares them). Passkeys are bound to the
 * hostname, so changing PUBLIC_URL's host orphans them.
 */
function relyingParty(request: FastifyRequest, config: Config): RelyingParty {
  let url: URL;
  try {
    url = config.publicUrl ?? new URL(`${request.protocol}://${request.host}`);
  } catch {
    throw new AppError('forbidden_origin');
  }
  return { id: url.hostname, origin: url.origin };
}
