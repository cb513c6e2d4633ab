import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startMain, waitForReady } from '../support/app-process.js';
import { postgresDatabaseUrl } from '../support/database.js';
import { startReceiver } from '../support/delivery-fakes.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { freePort } from '../support/ports.js';
import { redisServerInstalled, startRedisServer } from '../support/redis-server.js';
import { StreamClient } from '../support/stream-client.js';

const redisUp = redisServerInstalled();
const postgresUp = Boolean(process.env.TEST_DATABASE_URL);
if (!redisUp || !postgresUp) {
  console.warn(
    `[tests] the cluster suite is skipped: it needs ${[!postgresUp && 'TEST_DATABASE_URL (PostgreSQL)', !redisUp && 'redis-server'].filter(Boolean).join(' and ')}; .ci/run provides both`,
  );
}

interface Member {
  name: string;
  running: RunningApp;
  url: string;
}

describe.skipIf(!redisUp || !postgresUp)('a cluster of three instances over PostgreSQL and Redis', () => {
  const fake = new FakeFinnhub();
  const folder = mkdtempSync(join(tmpdir(), 'st-cluster-'));
  const members: Member[] = [];
  const streams: StreamClient[] = [];
  let database: { url: string; drop: () => Promise<void> };
  let cookie = '';
  let env: Record<string, string>;
  let redis: ChildProcess;
  let redisPort: number;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const leaderOf = async (candidates: Member[]) => {
    for (const member of candidates) {
      const metrics = await (await fetch(`${member.url}/metrics`)).text();
      if (/^stocktracker_cluster_leader 1$/m.test(metrics)) return member;
    }
    return undefined;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    await fake.start();
    fake.symbolCap = 100;
    fake.setQuote('NVDA', { c: 100, d: 1, dp: 1, h: 101, l: 99, o: 99.5, pc: 99, t: 1700000000 });
    database = (await postgresDatabaseUrl()) as { url: string; drop: () => Promise<void> };
    env = {
      ...fake.appEnv(),
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PREFIX: `st-test-${randomBytes(4).toString('hex')}:`,
      PORT: '0',
      STREAM_INTERVAL_MS: '50',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'warn',
    };
    for (const name of ['a', 'b', 'c']) {
      const running = startMain(folder, { ...env, INSTANCE_ID: name, LOG_LEVEL: 'info' });
      members.push({ name, running, url: '' });
    }
    for (const member of members) member.url = await waitForReady(member.running, 120_000);
  }, 180_000);

  afterAll(async () => {
    for (const stream of streams) await stream.close().catch(() => undefined);
    for (const { running } of members) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    await fake.stop();
    redis?.kill('SIGKILL');
    await receiver?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('shares one upstream socket, fails over within 10 s when the leader is killed, and fires an alert crossing during the failover once', async () => {
    const [a] = members as [Member, Member, Member];
    const registered = await fetch(`${a.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'cluster_user',
        email: 'cluster@example.com',
        password: 'plover-quartz-harbour-91',
      }),
    });
    expect(registered.status).toBe(201);
    cookie = (registered.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const csrf = ((await registered.json()) as { csrfToken: string }).csrfToken;
    const write = (member: Member, path: string, body: unknown) =>
      fetch(`${member.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });

    // One leader, holding the only upstream socket.
    await expect.poll(() => leaderOf(members), { timeout: 15_000 }).toBeDefined();
    await expect.poll(() => fake.openStreams(), { timeout: 15_000 }).toBe(1);
    const leader = (await leaderOf(members)) as Member;
    const followers = members.filter((member) => member !== leader);
    for (const member of members) {
      const metrics = () => fetch(`${member.url}/metrics`).then((response) => response.text());
      await expect.poll(metrics, { timeout: 10_000 }).toMatch(/^stocktracker_cluster_members 3$/m);
      await expect
        .poll(metrics, { timeout: 10_000 })
        .toContain(`stocktracker_cluster_info{instance="${member.name}",leader="${leader.name}"} 1`);
    }

    // A symbol added on a follower is subscribed upstream by the leader.
    expect((await write(followers[0] as Member, '/watchlist', { symbol: 'NVDA' })).status).toBe(201);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toContain('NVDA');

    for (const member of members) {
      const stream = await StreamClient.connect(member.url, { cookie });
      streams.push(stream);
      await stream.next((frame) => frame.type === 'status', 10_000);
    }
    // Each member subscribes the symbol's channel as its clients want it: trade until all have one.
    let price = 101;
    let volumeSent = 0;
    await expect
      .poll(
        () => {
          price += 0.01;
          volumeSent += fake.trade('NVDA', price, { v: 1 }) > 0 ? 1 : 0;
          return streams.every((stream) => stream.quotesFor('NVDA').length > 0);
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    fake.trade('NVDA', 101.25, { v: 3 });
    volumeSent += 3;
    for (const stream of streams) {
      await expect.poll(() => stream.quotesFor('NVDA'), { timeout: 5000 }).toContain(101.25);
    }
    expect(fake.openStreams()).toBe(1);

    // An alert rule created on a follower, with a webhook, is evaluated by the leader.
    const channel = await write(followers[0] as Member, '/channels', {
      type: 'webhook',
      name: 'hook',
      url: `${receiver.url}/hook`,
    });
    expect(channel.status).toBe(201);
    const channelId = ((await channel.json()) as { channel: { id: string } }).channel.id;
    const rule = await write(followers[1] as Member, '/alerts', {
      symbol: 'NVDA',
      kind: 'price_cross_up',
      threshold: 110,
      channels: [channelId],
    });
    expect(rule.status).toBe(201);
    const ruleId = ((await rule.json()) as { alert: { id: string } }).alert.id;

    // Every trade so far is in the leader's bars (flushed every 5 s) before it is killed.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const barVolume = async () =>
      (
        await client.query(
          "select coalesce(sum(volume), 0)::float as v from price_bars where symbol = 'NVDA' and resolution = '1m'",
        )
      ).rows[0].v as number;
    try {
      await expect.poll(barVolume, { timeout: 15_000 }).toBe(volumeSent);

      // Kill -9 the leader: another holds the feed within 10 s, the clients of the others see prices again.
      const accepted = fake.connectionsAccepted;
      leader.running.child.kill('SIGKILL');
      const killedAt = Date.now();
      await expect
        .poll(() => fake.connectionsAccepted, { timeout: 10_000, interval: 100 })
        .toBeGreaterThan(accepted);
      await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toContain('NVDA');
      const failoverMs = Date.now() - killedAt;
      expect(failoverMs).toBeLessThan(10_000);
      expect(fake.openStreams()).toBe(1);
      expect(await leaderOf(followers)).toBeDefined();

      // The price crosses the alert's threshold right after the failover: one firing, on every survivor's stream.
      const survivors = followers.map((member) => streams[members.indexOf(member)] as StreamClient);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      fake.trade('NVDA', 111.5, { v: 2 });
      for (const stream of survivors) {
        await expect.poll(() => stream.quotesFor('NVDA'), { timeout: 5000 }).toContain(111.5);
        await stream.next((frame) => frame.type === 'alert', 5000);
      }
      await expect
        .poll(
          async () =>
            (await client.query('select count(*)::int as n from alert_events where rule_id = $1', [ruleId]))
              .rows[0].n,
          { timeout: 10_000 },
        )
        .toBe(1);
      // Delivered once (the outbox is worked by every instance, each row claimed by one).
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(receiver.received.map((request) => JSON.parse(String(request.body)).data.price)).toEqual([
        111.5,
      ]);
      // The new leader writes the bars from then on: every trade's volume counted once.
      await expect.poll(barVolume, { timeout: 15_000 }).toBe(volumeSent + 2);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('keeps serving while Redis is down (prices marked reconnecting), and recovers without a restart when it returns', async () => {
    const alive = members.filter(
      ({ running }) => running.child.exitCode === null && running.child.signalCode === null,
    );
    const aliveStreams = alive.map((member) => streams[members.indexOf(member)] as StreamClient);
    redis.kill('SIGKILL');
    // No Redis, no lease: the leader closes its upstream socket, and every stream says so.
    await expect.poll(() => fake.openStreams(), { timeout: 10_000 }).toBe(0);
    for (const stream of aliveStreams) {
      await stream.next((frame) => frame.type === 'status' && frame.feed === 'reconnecting', 10_000);
    }
    // Pages and the API still answer.
    for (const member of alive) {
      const page = await fetch(`${member.url}/api/v1/watchlist`, { headers: { cookie } });
      expect(page.status).toBe(200);
    }

    redis = await startRedisServer(redisPort);
    await expect.poll(() => fake.openStreams(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toContain('NVDA');
    let price = 120;
    await expect
      .poll(
        () => {
          price += 0.01;
          fake.trade('NVDA', price, { v: 1 });
          return aliveStreams.every((stream) => stream.quotesFor('NVDA').some((seen) => seen >= 120));
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    expect(fake.openStreams()).toBe(1);
  }, 60_000);

  it('on SIGTERM, closes its streams with 1012 and hands the feed over; a client reconnecting elsewhere gets a fresh snapshot', async () => {
    const alive = members.filter(
      ({ running }) => running.child.exitCode === null && running.child.signalCode === null,
    );
    const leader = (await leaderOf(alive)) as Member;
    const survivor = alive.find((member) => member !== leader) as Member;
    const stream = streams[members.indexOf(leader)] as StreamClient;
    const closed = new Promise<number>((resolve) => stream.socket.once('close', (code) => resolve(code)));
    const accepted = fake.connectionsAccepted;
    const stoppedAt = Date.now();
    leader.running.child.kill('SIGTERM');
    expect(await closed).toBe(1012);
    expect(await leader.running.exited).toBe(0);
    // The lease was given up at shutdown: the survivor holds the feed without waiting for it to expire.
    await expect
      .poll(() => fake.connectionsAccepted, { timeout: 10_000, interval: 100 })
      .toBeGreaterThan(accepted);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toContain('NVDA');
    fake.trade('NVDA', 133.5, { v: 1 });

    const reconnected = await StreamClient.connect(survivor.url, { cookie });
    streams.push(reconnected);
    await expect
      .poll(
        async () => {
          const snapshot = await reconnected.next((frame) => frame.type === 'snapshot', 5000);
          const latest = [...reconnected.frames]
            .reverse()
            .flatMap((frame) => frame.quotes ?? [])
            .find((quote) => quote.symbol === 'NVDA');
          return latest?.price ?? snapshot.quotes?.find((quote) => quote.symbol === 'NVDA')?.price;
        },
        { timeout: 10_000 },
      )
      .toBe(133.5);
  }, 60_000);
});
