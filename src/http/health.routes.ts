import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { AppError } from '../errors.js';
import type { AppMetrics } from '../metrics.js';
import { healthzRouteSchema, metricsRouteSchema, readyzRouteSchema } from './health.schemas.js';

export async function healthRoutes(
  app: FastifyInstance,
  { database, metrics }: { database: DatabaseHandle; metrics: AppMetrics },
): Promise<void> {
  app.get('/healthz', { config: { rateLimit: false }, schema: healthzRouteSchema }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', { config: { rateLimit: false }, schema: readyzRouteSchema }, async () => {
    try {
      await Promise.race([
        database.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw new AppError('not_ready');
    }
    return { status: 'ready' };
  });

  /** Prometheus text format. Nothing in it is secret; put it behind the proxy's auth if it must not be public. */
  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: metricsRouteSchema },
    async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
