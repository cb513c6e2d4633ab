import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { Cluster, restBudgetShare } from './cluster/cluster.js';
import { ClusterFeed } from './cluster/cluster-feed.js';
import { RedisBus } from './cluster/redis-bus.js';
import { type Config, ConfigError, describeConfig, loadConfig, withDotEnv } from './config.js';
import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from './db/data-dir-lock.js';
import type { DatabaseHandle } from './db/database.js';
import { openPglite, openPostgres } from './db/open.js';
import { createLogger } from './logger.js';
import { createMarket, type Market } from './market/providers/create-market.js';
import { AppMetrics } from './metrics.js';
import { projectPath } from './project-root.js';

/**
 * The feed lease's TTL: a killed leader's lease passes within it (plus a third of it), so another
 * instance holds the feed within 8 s.
 */
const FEED_LEASE_TTL_MS = 6000;

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
  const app = await buildApp({
    config,
    database,
    market,
    metrics,
    logger,
    cluster,
    webRoot: projectPath('dist', 'web'),
  });
  await cluster?.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      lock?.release();
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      // Stops accepting, closes sockets, flushes pending quotes (onClose hooks) and closes the
      // upstream feed; only then is the feed lease given up, so no two sockets overlap.
      await app.close();
      await cluster?.stop();
      await cluster?.bus.close();
      await database.close();
    } finally {
      lock?.release();
    }
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
  market.feed = new ClusterFeed({ cluster, createUpstream, clock: systemClock, logger, roundMs: 1000 });
  cluster.onMembership((role, members) => market.shareRestBudget?.(restBudgetShare(role, members)));
  return cluster;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
