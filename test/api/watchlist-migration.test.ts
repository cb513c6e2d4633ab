import { readdirSync, readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.js';

const migrations = readdirSync(projectPath('drizzle'))
  .filter((name) => name.endsWith('.sql'))
  .sort();

describe('the migration that names the watchlist', () => {
  const db = new PGlite();
  afterAll(() => db.close());

  it('renames portfolio_items to watchlist_items and keeps every row', async () => {
    const renaming = migrations.findIndex((name) => name.includes('watchlist_items'));
    expect(renaming).toBeGreaterThan(0);
    for (const name of migrations.slice(0, renaming)) {
      await db.exec(readFileSync(projectPath('drizzle', name), 'utf8'));
    }
    await db.exec(`
      insert into users (id, username, email, password_hash)
        values ('00000000-0000-4000-8000-000000000001', 'ann', 'ann@example.com', 'x');
      insert into instruments (symbol, name) values ('AAPL', 'Apple Inc'), ('MSFT', 'Microsoft Corp');
      insert into portfolio_items (user_id, symbol, added_at) values
        ('00000000-0000-4000-8000-000000000001', 'AAPL', '2026-01-02T03:04:05Z'),
        ('00000000-0000-4000-8000-000000000001', 'MSFT', '2026-01-03T03:04:05Z');
    `);

    for (const name of migrations.slice(renaming)) {
      await db.exec(readFileSync(projectPath('drizzle', name), 'utf8'));
    }

    const rows = await db.query<{ symbol: string; added_at: Date }>(
      'select symbol, added_at from watchlist_items order by symbol',
    );
    expect(rows.rows.map((r) => [r.symbol, r.added_at.toISOString()])).toEqual([
      ['AAPL', '2026-01-02T03:04:05.000Z'],
      ['MSFT', '2026-01-03T03:04:05.000Z'],
    ]);
    const old = await db.query("select to_regclass('portfolio_items') as name");
    expect(old.rows).toEqual([{ name: null }]);
    const duplicate = db.exec(
      "insert into watchlist_items (user_id, symbol) values ('00000000-0000-4000-8000-000000000001', 'AAPL')",
    );
    await expect(duplicate).rejects.toThrow(/watchlist_items_user_id_symbol_pk/);
  });
});
