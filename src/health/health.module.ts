import type { ModuleHost } from '../module-host.js';
import type { PricesModule } from '../prices/prices.module.js';
import { healthRoutes } from './health.routes.js';

/** /healthz, /readyz and /metrics, at the root and outside the request limits. */
export function healthModule(host: ModuleHost, { hub }: PricesModule): void {
  const { database, metrics, market, cluster, drain } = host.context;
  metrics.observeCluster(() => {
    const { count, leader } = cluster.members();
    return {
      leader: cluster.role() !== 'follower',
      members: count,
      instance: cluster.instanceId,
      leaderId: leader ?? '',
    };
  });
  host.rootRoutes((root) =>
    healthRoutes(root, {
      database,
      metrics,
      cluster,
      drain,
      feedStatus: () => hub.feedStatus(),
      coverage: () => market.feed.coverage(),
    }),
  );
}
