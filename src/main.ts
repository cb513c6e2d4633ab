import { join } from 'node:path';
import type { Logger } from 'pino';
import { ADMIN_SOCKET_NAME } from './admin/admin-socket.js';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { Cluster, restBudgetShare } from './cluster/cluster.js';
import { ClusterFeed } from './cluster/cluster-feed.js';
import { RedisBus } from './cluster/redis-bus.js';
import { type Config, ConfigError, describeConfig, loadConfig, withDotEnv } from './config.js';
import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from './db/data-dir-lock.js';
import type { DatabaseHandle } from './db/database.js';
import { openPglite, openPostgres } from './db/open.js';
import { DrainState } from './drain-state.js';
import { createLogger } from './logger.js';
import { createMarket, type Market } from './market/providers/create-market.js';
import { AppMetrics } from './metrics.js';
import { projectPath } from './project-root.js';

/**
 * The feed lease's TTL: a killed leader's lease passes within it (plus a third of it), so another
 * instance holds the feed within 8 s.
 */
const FEED_LEASE_TTL_MS = 6000;

/**
 * How long a cluster's leader gathers trades before relaying each changed symbol's latest quote
 * to the followers. It adds up to its length to what a follower's clients see, on top of their
 * stream's flush (STREAM_INTERVAL_MS, 250 ms): 25 ms keeps that well inside the 50 ms a cluster
 * may add, while a follower gets a few dozen messages a second instead of every trade.
 */
const RELAY_WINDOW_MS = 25;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(withDotEnv(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let lock: DataDirLock | undefined;
  let database: DatabaseHandle;
  try {
    if (config.database.kind === 'pglite') {
      lock = acquireDataDirLock(config.database.dataDir);
      database = await openPglite({ dataDir: config.database.dataDir });
    } else {
      database = await openPostgres(config.database.url);
    }
  } catch (error) {
    lock?.release();
    if (error instanceof DataDirLockedError) {
      console.error(error.message);
      process.exit(75);
    }
    console.error(`Could not open the database: ${(error as Error).message}`);
    process.exit(1);
  }

  const metrics = new AppMetrics();
  const market = createMarket(config.market, systemClock, logger, metrics);
  const cluster = config.redis ? joinCluster(config, market, logger) : undefined;
  const drain = new DrainState();
  const app = await buildApp({
    config,
    database,
    market,
    metrics,
    logger,
    cluster,
    webRoot: projectPath('dist', 'web'),
    drain,
    adminSocket:
      config.database.kind === 'pglite' ? join(config.database.dataDir, ADMIN_SOCKET_NAME) : undefined,
  });
  await cluster?.start();

  let stopping = false;
  /**
   * SIGTERM (a deploy, a scale-down, `docker compose stop`): `/readyz` answers 503 for
   * SHUTDOWN_DRAIN_MS so the proxy moves new requests elsewhere, then streams close with 1012 (the
   * browsers reconnect to another instance), feeds and timers stop, pending writes flush, the feed
   * lease is given up (in a cluster), the database closes. SIGINT (Ctrl-C at a terminal, no proxy to tell) skips the wait. Whatever is
   * left after SHUTDOWN_GRACE_MS is abandoned: the process exits anyway, before the orchestrator's
   * own deadline kills it mid-write.
   */
  const shutdown = async (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) return;
    stopping = true;
    const { graceMs, drainMs } = config.shutdown;
    logger.info({ signal, graceMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took longer than SHUTDOWN_GRACE_MS; exiting');
      lock?.release();
      process.exit(1);
    }, graceMs);
    force.unref();
    drain.start();
    if (signal === 'SIGTERM' && drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    try {
      // Stops accepting, closes streams (1012), stops feeds and flushes pending writes (onClose
      // hooks), closing the upstream feed; only then is the feed lease given up, so no two sockets
      // overlap. Then the database.
      await app.close();
      await cluster?.stop();
      await cluster?.bus.close();
      await database.close();
    } finally {
      lock?.release();
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  const shownUrl = address.replace('127.0.0.1', 'localhost').replace('[::1]', 'localhost');
  logger.info(describeConfig(config, shownUrl));
}

/** With Redis: this process's membership of the cluster, and the market's feed shared through it. */
function joinCluster(config: Config, market: Market, logger: Logger): Cluster {
  const redis = config.redis as NonNullable<Config['redis']>;
  const bus = RedisBus.connect(redis.url, { prefix: redis.prefix, logger });
  const cluster = new Cluster({
    bus,
    instanceId: config.instanceId,
    clock: systemClock,
    logger,
    leaseTtlMs: FEED_LEASE_TTL_MS,
  });
  const createUpstream = market.createFeed;
  if (!createUpstream) throw new Error('this market cannot open a feed per leadership');
  market.feed = new ClusterFeed({
    cluster,
    createUpstream,
    clock: systemClock,
    logger,
    roundMs: 1000,
    relayWindowMs: RELAY_WINDOW_MS,
  });
  cluster.onMembership((role, members) => market.shareRestBudget?.(restBudgetShare(role, members)));
  return cluster;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
