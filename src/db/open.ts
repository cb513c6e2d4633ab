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

export async function openPostgres(
  url: string,
  options: { migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema });
  try {
    if (options.migrate !== false) await migratePg(db, { migrationsFolder });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return handle(db as unknown as Database, 'postgres', () => pool.end());
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
