import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../src/db/open.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data dir dump: each test file loads a copy instead of creating one (~3 s, ~800 MB). */
    pgliteTemplatePath: string;
    /** A migrated PostgreSQL database each test file clones with CREATE DATABASE ... TEMPLATE, or '' when there is none. */
    postgresTemplate: string;
  }
}

/** Migrates one PGlite and (when TEST_DATABASE_URL is set) one PostgreSQL template per test run. */
export default async function setup(project: TestProject) {
  const folder = mkdtempSync(join(tmpdir(), 'stocktracker-test-'));
  const templatePath = join(folder, 'pglite-template.tar.gz');
  const pglite = await openPglite({ dataDir: join(folder, 'template-data') });
  const client = (pglite.db as unknown as { $client: { dumpDataDir(c: 'gzip'): Promise<Blob> } }).$client;
  const dump = await client.dumpDataDir('gzip');
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplatePath', templatePath);

  let postgresTemplate = '';
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    postgresTemplate = `stocktracker_template_${randomBytes(4).toString('hex')}`;
    await adminQuery(url, `CREATE DATABASE ${postgresTemplate}`);
    const template = await openPostgres(withDatabase(url, postgresTemplate));
    await template.close();
  } else {
    console.warn(
      '\n[tests] TEST_DATABASE_URL is not set: the database suites run on PGlite only; their PostgreSQL runs are skipped.\n',
    );
  }
  project.provide('postgresTemplate', postgresTemplate);

  return async () => {
    if (url && postgresTemplate)
      await adminQuery(url, `DROP DATABASE IF EXISTS ${postgresTemplate} WITH (FORCE)`);
    rmSync(folder, { recursive: true, force: true });
  };
}

export async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
