import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { Cluster, restBudgetShare } from '../../src/cluster/cluster.js';
import { ClusterFeed } from '../../src/cluster/cluster-feed.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import type { Trade } from '../../src/market/providers/provider.js';
import { freePort } from '../support/ports.js';
import { redisServerInstalled, startRedisServer } from '../support/redis-server.js';
import { ScriptedFeed } from '../support/scripted-feed.js';

const installed = redisServerInstalled();
if (!installed) console.warn('[tests] the cluster lease suite is skipped: redis-server is not installed');

/** The test's own Redis on `port`, once this app's client can use it. */
async function startRedis(port: number): Promise<ChildProcess> {
  const server = await startRedisServer(port);
  const probe = RedisBus.connect(`redis://127.0.0.1:${port}`, {
    prefix: 'probe:',
    logger: createLogger('silent'),
  });
  await expect.poll(() => probe.connected(), { timeout: 5000 }).toBe(true);
  await probe.close();
  return server;
}

describe('the cluster budget share', () => {
  it('gives the leader half and a part, each follower a part, and never more than the whole', () => {
    for (const members of [1, 2, 3, 5, 10]) {
      const total = restBudgetShare('leader', members) + (members - 1) * restBudgetShare('follower', members);
      expect(total).toBeCloseTo(1);
    }
    expect(restBudgetShare('leader', 3)).toBeCloseTo(2 / 3);
    expect(restBudgetShare('follower', 3)).toBeCloseTo(1 / 6);
  });
});

describe.skipIf(!installed)('the feed lease over a real Redis', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function members(port: number, count: number, ttlMs = 900) {
    const prefix = `lease-test-${randomBytes(4).toString('hex')}:`;
    const made: Cluster[] = [];
    for (let i = 0; i < count; i++) {
      const bus = RedisBus.connect(`redis://127.0.0.1:${port}`, { prefix, logger: createLogger('silent') });
      const cluster = new Cluster({
        bus,
        instanceId: `m${i}`,
        clock: systemClock,
        logger: createLogger('silent'),
        leaseTtlMs: ttlMs,
      });
      cleanups.push(() => bus.close());
      cleanups.push(() => cluster.stop());
      made.push(cluster);
    }
    await expect.poll(() => made.every((cluster) => cluster.bus.connected()), { timeout: 5000 }).toBe(true);
    for (const cluster of made) await cluster.start();
    return made;
  }

  const leaders = (cluster: Cluster[]) => cluster.filter((member) => member.role() === 'leader');

  it('has exactly one leader at a time, passes the lease on when it leaves, with a greater fencing number', async () => {
    const port = await freePort();
    const server = await startRedis(port);
    cleanups.push(() => server.kill('SIGKILL'));
    const cluster = await members(port, 3);
    await expect.poll(() => leaders(cluster).length).toBe(1);
    const first = leaders(cluster)[0] as Cluster;
    const fencing = first.fencingNumber();
    for (let i = 0; i < 10; i++) {
      expect(leaders(cluster).length).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await first.stop();
    const rest = cluster.filter((member) => member !== first);
    await expect.poll(() => leaders(rest).length, { timeout: 3000 }).toBe(1);
    expect((leaders(rest)[0] as Cluster).fencingNumber()).toBeGreaterThan(fencing);
    await expect.poll(() => rest[0]?.members().count, { timeout: 3000 }).toBe(2);
  });

  it('steps down when Redis goes away, before the lease could pass, and elects a leader again when it returns, without a restart', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    cleanups.push(() => server.kill('SIGKILL'));
    const cluster = await members(port, 2);
    await expect.poll(() => leaders(cluster).length).toBe(1);
    const roles: string[] = [];
    const leader = leaders(cluster)[0] as Cluster;
    leader.onRoleChange((role) => roles.push(role));

    server.kill('SIGKILL');
    const stoppedAt = Date.now();
    await expect.poll(() => leaders(cluster).length, { timeout: 3000, interval: 50 }).toBe(0);
    // Two thirds of the 900 ms TTL, and a round's slack: never a leader past the lease.
    expect(Date.now() - stoppedAt).toBeLessThan(900);
    expect(roles).toEqual(['follower']);

    server = await startRedis(port);
    await expect.poll(() => leaders(cluster).length, { timeout: 10_000 }).toBe(1);
  });

  it("relays the leader's trades and quotes to a follower with the source each came from", async () => {
    const port = await freePort();
    const server = await startRedis(port);
    cleanups.push(() => server.kill('SIGKILL'));
    const cluster = await members(port, 2);
    await expect.poll(() => leaders(cluster).length).toBe(1);
    const upstreams: ScriptedFeed[] = [];
    const received = new Map<Cluster, Array<Trade | Quote>>();
    for (const member of cluster) {
      const feed = new ClusterFeed({
        cluster: member,
        createUpstream: () => {
          const upstream = new ScriptedFeed();
          upstreams.push(upstream);
          return upstream;
        },
        clock: systemClock,
        logger: createLogger('silent'),
        roundMs: 200,
        relayWindowMs: 25,
      });
      const got: Array<Trade | Quote> = [];
      received.set(member, got);
      // A hub in miniature: the leader relays its current quote of each symbol, trades merged in.
      const current = new Map<string, Quote>();
      feed.connect({
        quote: (quote) => {
          current.set(quote.symbol, quote);
          got.push(quote);
        },
        trade: (trade) => {
          current.set(trade.symbol, {
            symbol: trade.symbol,
            price: trade.price,
            change: null,
            changePercent: null,
            open: null,
            high: null,
            low: null,
            previousClose: null,
            volume: trade.volume,
            time: trade.time,
            ...(trade.source ? { source: trade.source, delayMinutes: 0 } : {}),
          });
          got.push(trade);
        },
        status() {},
        current: (symbol) => current.get(symbol),
        relayed: (quote) => got.push(quote),
      });
      cleanups.push(() => feed.close());
      feed.setWatched(new Set(['BINANCE:BTCUSDT']));
    }
    const upstream = upstreams[0] as ScriptedFeed;
    const follower = received.get(cluster.find((member) => member.role() !== 'leader') as Cluster) ?? [];

    // Traded until the follower's subscription is in place.
    await expect
      .poll(() => {
        upstream.trade({
          symbol: 'BINANCE:BTCUSDT',
          price: 97_010.5,
          time: Date.now(),
          volume: 0.2,
          source: 'binance',
        });
        return follower.length;
      })
      .toBeGreaterThan(0);
    expect(follower[0]).toMatchObject({ price: 97_010.5, source: 'binance' });
    upstream.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    upstream.push('BINANCE:BTCUSDT', 96_990, 95_000);
    await expect
      .poll(() => follower.at(-1))
      .toMatchObject({ price: 96_990, source: 'yahoo', delayMinutes: 15 });
  });
});
