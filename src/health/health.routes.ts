import type { FastifyInstance } from 'fastify';
import type { ClusterView } from '../cluster/cluster.js';
import type { DatabaseHandle } from '../db/database.js';
import type { DrainState } from '../drain-state.js';
import { AppError } from '../errors.js';
import type { FeedCoverage, FeedStatus } from '../market/providers/provider.js';
import type { AppMetrics } from '../metrics.js';
import { healthzRouteSchema, metricsRouteSchema, readyzRouteSchema } from './health.schemas.js';

export async function healthRoutes(
  app: FastifyInstance,
  {
    database,
    metrics,
    cluster,
    drain,
    feedStatus,
    coverage,
  }: {
    database: DatabaseHandle;
    metrics: AppMetrics;
    /** This instance's id and role, read on every /healthz (leadership moves). */
    cluster: ClusterView;
    drain: DrainState;
    feedStatus: () => FeedStatus;
    /** How many wanted symbols are live, polled and left out. */
    coverage: () => FeedCoverage;
  },
): Promise<void> {
  // Stays 200 while draining: the process is alive and finishing its work, not to be restarted.
  app.get('/healthz', { config: { requestLimits: false }, schema: healthzRouteSchema }, async () => ({
    status: 'ok' as const,
    instance: cluster.instanceId,
    role: cluster.role(),
  }));

  app.get('/readyz', { config: { requestLimits: false }, schema: readyzRouteSchema }, async () => {
    // First at shutdown, so the proxy takes this instance out before its streams are closed.
    if (drain.draining) throw new AppError('not_ready', 'This instance is shutting down.');
    try {
      await Promise.race([
        database.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw new AppError('not_ready');
    }
    // A refused key serves no prices until the operator changes it; a network outage mends itself.
    if (feedStatus() === 'unauthorized') {
      throw new AppError('not_ready', 'The market data provider refused the API key: check FINNHUB_API_KEY.');
    }
    return { status: 'ready', symbols: coverage() };
  });

  /** Prometheus text format. Nothing in it is secret; put it behind the proxy's auth if it must not be public. */
  app.get(
    '/metrics',
    { config: { requestLimits: false }, schema: metricsRouteSchema },
    async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
