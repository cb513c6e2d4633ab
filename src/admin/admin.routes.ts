import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser } from '../auth/auth.hooks.js';
import { AppError } from '../errors.js';
import {
  auditSchema,
  createInviteSchema,
  deleteUserSchema,
  healthSchema,
  listInvitesSchema,
  listUsersSchema,
  revokeInviteSchema,
  updateUserSchema,
} from './admin.schemas.js';
import type { Actor, AdminService } from './admin.service.js';
import { type HealthSources, readHealth } from './admin-health.js';

/**
 * The admin console's API under /admin, in the authenticated group (a session, and its CSRF token
 * for writes): a signed-in user who is not an admin is told 403 `forbidden` before anything is read.
 */
export async function adminRoutes(
  app: FastifyInstance,
  { admin, health }: { admin: AdminService; health: HealthSources },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.addHook('onRequest', async (request) => {
    if (currentUser(request).user.role !== 'admin') throw new AppError('forbidden');
  });

  routes.get('/admin/users', { schema: listUsersSchema }, async (request) => ({
    items: await admin.listUsers(request.query.query),
  }));

  routes.patch('/admin/users/:id', { schema: updateUserSchema }, async (request) => ({
    user: await admin.updateUser(actorOf(request), request.params.id, request.body),
  }));

  routes.delete('/admin/users/:id', { schema: deleteUserSchema }, async (request, reply) => {
    await admin.deleteUser(actorOf(request), request.params.id);
    return reply.code(204).send();
  });

  routes.get('/admin/invites', { schema: listInvitesSchema }, async () => ({
    items: await admin.listInvites(),
  }));

  routes.post('/admin/invites', { schema: createInviteSchema }, async (request, reply) => {
    const invite = await admin.createInvite(
      actorOf(request),
      request.body.expiresInDays,
      `${request.protocol}://${request.host}`,
    );
    return reply.code(201).send(invite);
  });

  routes.delete('/admin/invites/:id', { schema: revokeInviteSchema }, async (request, reply) => {
    await admin.revokeInvite(actorOf(request), request.params.id);
    return reply.code(204).send();
  });

  routes.get('/admin/health', { schema: healthSchema }, async () => readHealth(health));

  routes.get('/admin/audit', { schema: auditSchema }, async (request) => {
    const { kind, user, from, to, offset } = request.query;
    return admin.audit(
      {
        kind,
        user,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
      },
      offset,
    );
  });
}

function actorOf(request: FastifyRequest): Actor {
  const header = request.headers['user-agent'];
  return {
    id: currentUser(request).user.id,
    address: request.ip,
    userAgent: typeof header === 'string' ? header.slice(0, 512) : null,
  };
}
