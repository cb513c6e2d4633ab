import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser } from '../auth/auth.hooks.js';
import type { RequestOrigin } from '../auth/security-log.js';
import {
  createTokenRouteSchema,
  listTokensRouteSchema,
  revokeTokenRouteSchema,
} from './api-tokens.schemas.js';
import type { ApiTokenService } from './api-tokens.service.js';

/** /me/tokens: the signed-in user's personal API tokens (session only, as their schemas declare). */
export async function apiTokensRoutes(
  app: FastifyInstance,
  { tokens }: { tokens: ApiTokenService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/me/tokens', { schema: listTokensRouteSchema }, async (request) => ({
    items: await tokens.list(currentUser(request).user.id),
  }));

  routes.post('/me/tokens', { schema: createTokenRouteSchema }, async (request, reply) => {
    const { token, view } = await tokens.create(
      currentUser(request).user.id,
      request.body,
      originOf(request),
    );
    const { id, name, scopes, expiresAt } = view;
    return reply.code(201).send({ token, id, name, scopes, expiresAt });
  });

  routes.delete('/me/tokens/:id', { schema: revokeTokenRouteSchema }, async (request, reply) => {
    await tokens.revoke(currentUser(request).user.id, request.params.id, originOf(request));
    return reply.code(204).send();
  });
}

function originOf(request: FastifyRequest): RequestOrigin {
  return { address: request.ip, userAgent: request.headers['user-agent']?.slice(0, 512) ?? null };
}
