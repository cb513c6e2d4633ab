import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { singleInstance } from '../../src/cluster/cluster.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { openTestDatabase } from '../support/database.js';
import { freePort } from '../support/ports.js';
import { redisServerInstalled, startRedisServer } from '../support/redis-server.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const installed = redisServerInstalled();
if (!installed)
  console.warn('[tests] the ended-session relay suite is skipped: redis-server is not installed');

describe.skipIf(!installed)('an ended session closes its streams on every instance (Redis)', () => {
  let redis: ChildProcess;
  let database: DatabaseHandle;
  const buses: RedisBus[] = [];
  const apps: TestApp[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = await startRedisServer(port);
    database = await openTestDatabase('pglite');
    const prefix = `sessions-test-${randomBytes(4).toString('hex')}:`;
    for (const name of ['a', 'b']) {
      const bus = RedisBus.connect(`redis://127.0.0.1:${port}`, { prefix, logger: createLogger('silent') });
      buses.push(bus);
      await vi.waitFor(() => expect(bus.connected()).toBe(true), { timeout: 5000 });
      // Two instances over one database, as a cluster's members share one PostgreSQL.
      apps.push(await startTestApp({ database, listen: true, cluster: { ...singleInstance(name), bus } }));
    }
  });
  afterAll(async () => {
    for (const t of apps) await t.app.close();
    for (const bus of buses) await bus.close();
    await database?.close();
    redis?.kill('SIGKILL');
  });

  it('logging out on one instance closes the stream open on the other with 4001', async () => {
    const [a, b] = apps as [TestApp, TestApp];
    const onA = new TestClient(a.app);
    await onA.register();
    const stream = await StreamClient.connect(a.baseUrl, { cookie: onA.cookie ?? '' });
    await stream.next((frame) => frame.type === 'status');
    const closed = new Promise((resolve) => stream.socket.once('close', resolve));

    const onB = new TestClient(b.app);
    onB.cookie = onA.cookie;
    onB.csrfToken = onA.csrfToken;
    expect((await onB.request('POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    expect(await closed).toBe(4001);
  });
});
