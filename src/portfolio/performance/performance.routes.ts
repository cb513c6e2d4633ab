import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../../auth/access.js';
import { performanceRouteSchema } from '../portfolio.schemas.js';
import type { PerformanceService } from './performance.service.js';

export async function performanceRoutes(
  app: FastifyInstance,
  { performance }: { performance: PerformanceService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/performance', { schema: performanceRouteSchema }, async (request) =>
    performance.performance(callerId(request), request.query.range, request.query.account),
  );
}
