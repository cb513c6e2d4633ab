import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selectRows } from '../../src/db/database.js';
import { openPglite } from '../../src/db/open.js';
import { startMain, waitForReady } from '../support/app-process.js';
import { StreamClient } from '../support/stream-client.js';

describe('the server process', () => {
  const folders: string[] = [];
  const children: ChildProcess[] = [];
  const tempFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), 'st-process-'));
    folders.push(folder);
    return folder;
  };
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('loads .env, registers a user (Argon2 works), refuses a second process on the same data, and shuts down cleanly', async () => {
    const cwd = tempFolder();
    writeFileSync(join(cwd, '.env'), 'DATA_DIR=./data-from-dotenv\nPORT=0\n');
    const first = startMain(cwd);
    children.push(first.child);
    const url = await waitForReady(first);
    const startLine =
      first
        .output()
        .split('\n')
        .find((l) => l.includes('Stock Tracker ready at')) ?? '';
    expect(startLine).toContain(join(cwd, 'data-from-dotenv'));
    expect(startLine).toContain('simulated market');

    const registered = await fetch(`${url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'first_user',
        email: 'first@example.com',
        password: 'plover-quartz-harbour-91',
      }),
    });
    expect(registered.status).toBe(201);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const lockPath = join(cwd, 'data-from-dotenv', '.lock');
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual({ pid: first.child.pid, host: hostname() });

    const second = startMain(cwd);
    children.push(second.child);
    const secondCode = await second.exited;
    expect(secondCode).not.toBe(0);
    expect(second.output()).toContain(`in use by another Stock Tracker process (pid ${first.child.pid})`);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('shutting down');
    expect(existsSync(lockPath)).toBe(false);

    // The data survived the restart.
    const again = startMain(cwd);
    children.push(again.child);
    const againUrl = await waitForReady(again);
    const login = await fetch(`${againUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'first_user', password: 'plover-quartz-harbour-91' }),
    });
    expect(login.status).toBe(200);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 180_000);

  it('takes over a lock left by a process that no longer runs', async () => {
    const cwd = tempFolder();
    const dataDir = join(cwd, 'data');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, '.lock'), JSON.stringify({ pid: dead.pid, host: hostname() }));

    const running = startMain(cwd, { PORT: '0' });
    children.push(running.child);
    await waitForReady(running);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 90_000);

  it('at SIGTERM turns /readyz 503 first, then closes streams with 1012, saves the last quotes and exits 0 within the grace', async () => {
    const cwd = tempFolder();
    const graceMs = 8000;
    const running = startMain(cwd, {
      PORT: '0',
      SHUTDOWN_DRAIN_MS: '1500',
      SHUTDOWN_GRACE_MS: String(graceMs),
      INSTANCE_ID: 'process-test-1',
    });
    children.push(running.child);
    const url = await waitForReady(running);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({
      status: 'ok',
      instance: 'process-test-1',
      role: 'single',
    });

    const registered = await fetch(`${url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'drain_user',
        email: 'drain@example.com',
        password: 'plover-quartz-harbour-91',
      }),
    });
    expect(registered.status).toBe(201);
    const cookie = registered.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const { csrfToken } = (await registered.json()) as { csrfToken: string };
    const added = await fetch(`${url}/api/v1/watchlist`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ symbol: 'AAPL' }),
    });
    expect(added.status).toBe(201);

    const stream = await StreamClient.connect(url, { cookie });
    const closed = new Promise<number>((resolve) => stream.socket.once('close', (code) => resolve(code)));
    await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'AAPL'),
      10_000,
    );

    const signalledAt = Date.now();
    running.child.kill('SIGTERM');
    // Draining: not ready any more, while the stream is still open (the proxy learns first).
    let readiness = 200;
    while (readiness === 200 && Date.now() - signalledAt < 1000)
      readiness = (await fetch(`${url}/readyz`)).status;
    expect(readiness).toBe(503);
    expect(stream.socket.readyState).toBe(WebSocket.OPEN);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    expect(await closed).toBe(1012);
    expect(await running.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(graceMs);
    expect(running.output()).toContain('stopped');

    // Everything the stream showed was saved at shutdown, not only what the last 5 s flush took.
    const lastShown = stream.frames
      .flatMap((f) => (f.type === 'quotes' || f.type === 'snapshot' ? (f.quotes ?? []) : []))
      .filter((q) => q.symbol === 'AAPL')
      .at(-1);
    const database = await openPglite({ dataDir: join(cwd, 'data') }, { migrate: false });
    try {
      const [saved] = await selectRows<{ quoted_at: string }>(
        database.db,
        sql`select quoted_at::text from last_quotes where symbol = 'AAPL'`,
      );
      expect(saved, 'no AAPL row in last_quotes').toBeDefined();
      expect(Date.parse(String(saved?.quoted_at))).toBeGreaterThanOrEqual(
        Date.parse(String(lastShown?.time)),
      );
    } finally {
      await database.close();
    }
  }, 120_000);

  it('stops with a message naming the variable when the configuration is invalid', async () => {
    const running = startMain(tempFolder(), { PORT: 'eighty' });
    children.push(running.child);
    expect(await running.exited).not.toBe(0);
    expect(running.output()).toContain('PORT');
    expect(running.output()).not.toContain('    at ');
  });
});
