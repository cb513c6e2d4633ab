import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, describeConfig, loadConfig, withDotEnv } from './config.js';
import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from './db/data-dir-lock.js';
import type { DatabaseHandle } from './db/database.js';
import { openPglite, openPostgres } from './db/open.js';
import { AppInstance, defaultInstanceId } from './instance.js';
import { createLogger } from './logger.js';
import { createMarket } from './market/providers/create-market.js';
import { AppMetrics } from './metrics.js';
import { projectPath } from './project-root.js';

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
  const instance = new AppInstance(defaultInstanceId(config.instanceId));
  const app = await buildApp({
    config,
    database,
    market: createMarket(config.market, systemClock, logger, metrics),
    metrics,
    logger,
    webRoot: projectPath('dist', 'web'),
    instance,
  });

  let stopping = false;
  /**
   * SIGTERM (a deploy, a scale-down, `docker compose stop`): `/readyz` answers 503 for
   * SHUTDOWN_DRAIN_MS so the proxy moves new requests elsewhere, then streams close with 1012 (the
   * browsers reconnect to another instance), feeds and timers stop, pending writes flush, the
   * database closes. SIGINT (Ctrl-C at a terminal, no proxy to tell) skips the wait. Whatever is
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
    instance.startDraining();
    if (signal === 'SIGTERM' && drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    try {
      // Stops accepting, closes streams (1012), stops feeds, flushes pending writes (onClose hooks), then the database.
      await app.close();
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
