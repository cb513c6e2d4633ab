import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { projectPath } from '../project-root.js';
import type { Database, DatabaseHandle } from './database.js';
import * as schema from './schema.js';

const migrationsFolder = projectPath('drizzle');

/**
 * Key of the PostgreSQL advisory lock held while migrating: replicas starting together (compose,
 * a Kubernetes rollout) take turns, so the first migrates and the others find nothing left to do,
 * instead of racing to create the same tables and failing.
 */
const MIGRATION_LOCK_KEY = 0x5354_4d49; // "STMI"

export async function openPostgres(
  url: string,
  options: { migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema });
  try {
    if (options.migrate !== false) await migrateInTurn(pool, db);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return handle(db as unknown as Database, 'postgres', () => pool.end());
}

async function migrateInTurn(pool: pg.Pool, db: ReturnType<typeof drizzlePg<typeof schema>>): Promise<void> {
  // A session-level lock on a connection of its own; it goes with that connection if the process dies.
  const lockHolder = await pool.connect();
  try {
    await lockHolder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePg(db, { migrationsFolder });
  } finally {
    await lockHolder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    lockHolder.release();
  }
}

/**
 * Opens PGlite on `dataDir` (a folder, or a `loadDataDir` dump for tests). The caller owns the
 * cross-process lock: PGlite has none.
 */
export async function openPglite(
  source: { dataDir: string } | { dump: Blob },
  options: { migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  const client =
    'dataDir' in source
      ? await PGlite.create(source.dataDir)
      : await PGlite.create({ loadDataDir: source.dump });
  const db = drizzlePglite({ client, schema });
  try {
    if (options.migrate !== false) await migratePglite(db, { migrationsFolder });
  } catch (error) {
    await client.close();
    throw error;
  }
  return handle(db as unknown as Database, 'pglite', () => client.close());
}

function handle(db: Database, kind: 'pglite' | 'postgres', close: () => Promise<void>): DatabaseHandle {
  let closed = false;
  return {
    db,
    kind,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
