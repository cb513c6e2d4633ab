import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import { addRouteSchema, listRouteSchema, removeRouteSchema } from './watchlist.schemas.js';
import type { WatchlistService } from './watchlist.service.js';

declare module 'fastify' {
  interface FastifySchema {
    /** Marks a route as kept only for old clients (OpenAPI's `deprecated`). */
    deprecated?: boolean;
  }
}

/**
 * Where the watchlist's routes live: `/watchlist`, and `/portfolio`, the name it had before, which
 * answers the same (same handlers) for one more release, marked deprecated.
 */
export const WATCHLIST_BASES = [
  { base: '/watchlist', mark: {} },
  { base: '/portfolio', mark: { deprecated: true } },
] as const;

export async function watchlistRoutes(
  app: FastifyInstance,
  { watchlist }: { watchlist: WatchlistService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  for (const { base, mark } of WATCHLIST_BASES) {
    routes.get(base, { schema: { ...listRouteSchema, ...mark } }, async (request) => {
      return { items: await watchlist.list(callerId(request)) };
    });

    routes.post(base, { schema: { ...addRouteSchema, ...mark } }, async (request, reply) => {
      const item = await watchlist.add(callerId(request), request.body.symbol);
      return reply.code(201).send({ item });
    });

    routes.delete(
      `${base}/:symbol`,
      { schema: { ...removeRouteSchema, ...mark } },
      async (request, reply) => {
        await watchlist.remove(callerId(request), request.params.symbol);
        return reply.code(204).send();
      },
    );
  }
}
