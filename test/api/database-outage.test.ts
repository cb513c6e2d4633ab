import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/open.js';
import { watchlistItems } from '../../src/db/schema.js';
import { postgresDatabaseUrl } from '../support/database.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** A TCP relay to PostgreSQL that the test can cut (the server "goes down") and restore. */
class CuttableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL going down and coming back', () => {
  let database: { url: string; drop: () => Promise<void> };
  let relay: CuttableRelay;
  let t: TestApp;

  beforeAll(async () => {
    database = (await postgresDatabaseUrl()) as { url: string; drop: () => Promise<void> };
    const url = new URL(database.url);
    relay = new CuttableRelay(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await relay.open();
    url.host = `127.0.0.1:${relay.port}`;
    t = await startTestApp({
      database: await openPostgres(url.toString(), { migrate: false }),
      listen: true,
    });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await relay?.cut().catch(() => undefined);
    await database?.drop();
  });

  it('answers 503 on /readyz and a clear 503 to requests while it is down, writes nothing, and recovers when it returns', async () => {
    const client = new TestClient(t.app);
    await client.register();
    expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' })).statusCode).toBe(201);

    await relay.cut();
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const add = await client.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' });
    expect(add.statusCode).toBe(503);
    expect(add.json().error.code).toBe('database_unavailable');
    expect(add.headers['retry-after']).toBe('5');
    expect(t.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);

    await relay.open();
    await expect
      .poll(async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, {
        timeout: 10_000,
      })
      .toBe(200);
    const list = await client.request('GET', '/api/v1/watchlist');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((item: { symbol: string }) => item.symbol)).toEqual(['AAPL']);
    const direct = await openPostgres(database.url, { migrate: false });
    try {
      const [row] = await direct.db.select({ n: count() }).from(watchlistItems);
      expect(row?.n).toBe(1);
    } finally {
      await direct.close();
    }
  });
});
