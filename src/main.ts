import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, describeConfig, loadConfig, withDotEnv } from './config.js';
import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from './db/data-dir-lock.js';
import type { DatabaseHandle } from './db/database.js';
import { openPglite, openPostgres } from './db/open.js';
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
  const app = await buildApp({
    config,
    database,
    market: createMarket(config.market, systemClock, logger, metrics),
    metrics,
    logger,
    webRoot: projectPath('dist', 'web'),
  });

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
      // Stops accepting, closes sockets, flushes pending quotes (onClose hooks), then the database.
      await app.close();
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
