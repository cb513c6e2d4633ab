import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { selectRows } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/open.js';
import { adminQuery, withDatabase } from '../support/global-setup.js';

const url = process.env.TEST_DATABASE_URL;

// Replicas (compose's two, a Kubernetes rollout) start at the same moment on one empty database.
describe.skipIf(!url)('instances starting together on a new PostgreSQL database', () => {
  it('all start: one migrates, the others wait for it and find nothing left to do', async () => {
    const admin = url ?? '';
    const name = `stocktracker_concurrent_${randomBytes(6).toString('hex')}`;
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    try {
      const starts = await Promise.allSettled([1, 2, 3].map(() => openPostgres(withDatabase(admin, name))));
      const failures = starts.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
      expect(failures).toEqual([]);
      const [first] = starts;
      if (first?.status !== 'fulfilled') throw new Error('unreachable');
      const applied = await selectRows<{ count: string }>(
        first.value.db,
        sql`select count(*)::text as count from drizzle.__drizzle_migrations`,
      );
      const journal = await import('../../drizzle/meta/_journal.json', { with: { type: 'json' } });
      expect(Number(applied[0]?.count)).toBe(journal.default.entries.length);
      for (const start of starts) if (start.status === 'fulfilled') await start.value.close();
    } finally {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
