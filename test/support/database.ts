import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { openPglite, openPostgres } from '../../src/db/open.js';
import { adminQuery, withDatabase } from './global-setup.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** The databases the database suites run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testDatabaseKinds(): DatabaseKind[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, migrated database of `kind`; `close` also drops it (PostgreSQL). */
export async function openTestDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') {
    const dump = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
    return openPglite({ dump }, { migrate: false });
  }
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplate');
  if (!url || !template) throw new Error('PostgreSQL tests need TEST_DATABASE_URL');
  const name = `stocktracker_test_${randomBytes(6).toString('hex')}`;
  await createFromTemplate(url, name, template);
  const handle = await openPostgres(withDatabase(url, name), { migrate: false });
  return {
    ...handle,
    async close() {
      await handle.close();
      await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A fresh, migrated PostgreSQL database for processes that connect by URL themselves (a cluster
 * test); undefined without TEST_DATABASE_URL.
 */
export async function postgresDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplate');
  if (!url || !template) return undefined;
  const name = `stocktracker_test_${randomBytes(6).toString('hex')}`;
  await createFromTemplate(url, name, template);
  return {
    url: withDatabase(url, name),
    drop: () => adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function createFromTemplate(url: string, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(url, `CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (error) {
      // Two workers copying the template at the same instant: PostgreSQL refuses one; try again.
      if (attempt >= 10 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
    }
  }
}
