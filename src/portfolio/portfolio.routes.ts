import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { currentUser, requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { MAX_SYMBOL_LENGTH } from '../market/symbols.js';
import type { PortfolioService } from './portfolio.service.js';

const symbolField = z
  .string({ error: 'Symbol is required, e.g. AAPL.' })
  .trim()
  .min(1, { error: 'Symbol is required, e.g. AAPL.' })
  .max(MAX_SYMBOL_LENGTH, { error: `A symbol has at most ${MAX_SYMBOL_LENGTH} characters.` });

export async function portfolioRoutes(
  app: FastifyInstance,
  { auth, portfolio }: { auth: AuthService; portfolio: PortfolioService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const authenticated = requireUser(auth);

  routes.get('/portfolio', { onRequest: authenticated }, async (request) => {
    return { items: await portfolio.list(currentUser(request).user.id) };
  });

  routes.post(
    '/portfolio',
    { onRequest: authenticated, schema: { body: z.object({ symbol: symbolField }) } },
    async (request, reply) => {
      const item = await portfolio.add(currentUser(request).user.id, request.body.symbol);
      return reply.code(201).send({ item });
    },
  );

  routes.delete(
    '/portfolio/:symbol',
    { onRequest: authenticated, schema: { params: z.object({ symbol: symbolField }) } },
    async (request, reply) => {
      await portfolio.remove(currentUser(request).user.id, request.params.symbol);
      return reply.code(204).send();
    },
  );
}
