import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAdminCli, startMain, waitForReady } from '../support/app-process.js';
import { postgresDatabaseUrl } from '../support/database.js';

const PASSWORD = 'plover-quartz-harbour-91';

async function login(url: string, username: string, password: string) {
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password }),
  });
}

function generatedPassword(output: string): string {
  const match = /(?:Password|New password for \S+): (\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no password in: ${output}`);
  return match[1];
}

describe('npm run admin', () => {
  const folders: string[] = [];
  const children: ChildProcess[] = [];
  const tempFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), 'st-admin-'));
    folders.push(folder);
    return folder;
  };
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('on PGlite works with the server stopped, and while it runs through its admin socket', async () => {
    const cwd = tempFolder();
    const env = { DATA_DIR: './data', PORT: '0', REGISTRATION: 'closed' };

    const usage = await runAdminCli(cwd, ['frobnicate'], { env });
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('Unknown command "frobnicate"');
    expect(usage.stderr).toContain('create-user <username> <email> [--admin]');

    // A fresh, closed installation: its first account is made from the command line.
    const created = await runAdminCli(cwd, ['create-user', 'boss', 'boss@example.com', '--admin'], { env });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created administrator boss.');
    const bossPassword = generatedPassword(created.stdout);

    const server = startMain(cwd, env);
    children.push(server.child);
    const url = await waitForReady(server);
    const bossLogin = await login(url, 'boss', bossPassword);
    expect(bossLogin.status).toBe(200);
    expect(((await bossLogin.json()) as { user: { role: string } }).user.role).toBe('admin');

    // The server holds ./data now: the commands go to it.
    const second = await runAdminCli(cwd, ['create-user', 'helper', 'helper@example.com'], {
      env,
      input: `${PASSWORD}\n`,
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Created user helper.');
    expect(second.stdout).not.toContain('Password:');
    expect((await login(url, 'helper', PASSWORD)).status).toBe(200);

    expect((await runAdminCli(cwd, ['promote', 'helper'], { env })).stdout).toContain(
      'helper is now an administrator.',
    );
    const listed = await runAdminCli(cwd, ['list-users'], { env });
    expect(listed.stdout).toMatch(/^boss\s+boss@example\.com\s+admin\s+active\s+off/m);
    expect(listed.stdout).toMatch(/^helper\s+helper@example\.com\s+admin\s+active\s+off/m);
    expect((await runAdminCli(cwd, ['demote', 'boss@example.com'], { env })).code).toBe(0);

    const reset = await runAdminCli(cwd, ['reset-password', 'helper'], { env });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('Every session of the account was ended.');
    expect((await login(url, 'helper', PASSWORD)).status).toBe(401);
    expect((await login(url, 'helper', generatedPassword(reset.stdout))).status).toBe(200);
    expect((await runAdminCli(cwd, ['disable-2fa', 'helper'], { env })).stdout).toContain(
      'Two-factor sign-in is off for helper',
    );
    const lastAdmin = await runAdminCli(cwd, ['demote', 'helper'], { env });
    expect(lastAdmin.code).toBe(1);
    expect(lastAdmin.stderr).toContain('no active administrator');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Stopped again: the command line opens the folder itself.
    const after = await runAdminCli(cwd, ['list-users', 'help'], { env });
    expect(after.stdout).toMatch(/^helper\s+helper@example\.com\s+admin/m);
    expect(after.stdout).not.toContain('boss');
    const unknown = await runAdminCli(cwd, ['promote', 'ghost'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account is called "ghost".');
  }, 300_000);

  it('on PostgreSQL works beside a running server', async (context) => {
    const database = await postgresDatabaseUrl();
    if (!database) {
      context.skip();
      return;
    }
    try {
      const cwd = tempFolder();
      const env = { DATABASE_URL: database.url, PORT: '0' };
      const server = startMain(cwd, env);
      children.push(server.child);
      const url = await waitForReady(server);
      const created = await runAdminCli(cwd, ['create-user', 'pgadmin', 'pg@example.com'], { env });
      expect(created.code).toBe(0);
      // The first account is an administrator even without --admin.
      expect(created.stdout).toContain('Created administrator pgadmin.');
      const answer = await login(url, 'pgadmin', generatedPassword(created.stdout));
      expect(answer.status).toBe(200);
      expect((await runAdminCli(cwd, ['list-users'], { env })).stdout).toMatch(
        /^pgadmin\s+pg@example\.com\s+admin/m,
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await database.drop();
    }
  }, 180_000);
});
