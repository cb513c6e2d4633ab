import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterRole } from '../../src/cluster/cluster.js';
import { ClusterFeed } from '../../src/cluster/cluster-feed.js';
import { decodeQuotes, encodeQuote } from '../../src/cluster/relayed-quote.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { PriceHub } from '../../src/prices/price-hub.js';
import { MemoryBusNetwork } from '../support/memory-bus.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { ManualClock } from '../support/test-app.js';

const WINDOW_MS = 25;

interface Member {
  hub: PriceHub;
  feed: ClusterFeed;
  /** The upstream feed of its latest term as leader. */
  upstream: () => ScriptedFeed;
  setRole: (role: ClusterRole) => void;
  /** Prices of the `tick` events its hub published (what bars and alerts are fed). */
  ticks: Array<[string, number]>;
  /** Symbols of the `quote.updated` events its hub published (what its clients' streams are sent). */
  updates: string[];
}

describe('the leader relays conflated quotes to the followers', () => {
  const clock = new ManualClock();
  let network: MemoryBusNetwork;
  const members: Member[] = [];

  function member(id: string, initialRole: ClusterRole): Member {
    let role = initialRole;
    const listeners = new Set<(role: ClusterRole) => void>();
    const upstreams: ScriptedFeed[] = [];
    const feed = new ClusterFeed({
      cluster: {
        instanceId: id,
        role: () => role,
        onRoleChange: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        members: () => ({ count: 3, leader: null }),
        bus: network.member(),
      },
      createUpstream: () => {
        const upstream = new ScriptedFeed();
        upstreams.push(upstream);
        return upstream;
      },
      clock,
      logger: createLogger('silent'),
      roundMs: 1000,
      relayWindowMs: WINDOW_MS,
    });
    const hub = new PriceHub({
      provider: new SimulatedMarket(1, clock),
      feed,
      clock,
      logger: createLogger('silent'),
      freshMs: 15_000,
      staleAfterMs: 120_000,
    });
    const made: Member = {
      hub,
      feed,
      upstream: () => upstreams.at(-1) as ScriptedFeed,
      setRole: (next) => {
        role = next;
        for (const listener of [...listeners]) listener(next);
      },
      ticks: [],
      updates: [],
    };
    hub.events.on('tick', ({ symbol, price }) => made.ticks.push([symbol, price]));
    hub.events.on('quote.updated', ({ symbol }) => made.updates.push(symbol));
    members.push(made);
    return made;
  }

  /** The quotes each message to `id` carried, message by message, as [symbol, price]. */
  const relayedTo = (id: string) =>
    network
      .on(`quotes:${id}`)
      .map((message) => decodeQuotes(message).map((quote) => [quote.symbol, quote.price]));

  const base = (symbol: string, price: number): Quote => ({
    symbol,
    price,
    change: 1,
    changePercent: 1,
    open: price - 1,
    high: price,
    low: price - 1,
    previousClose: price - 1,
    volume: 1000,
    time: clock.now(),
  });

  /** A leader and two followers: `f1` wants AAPL and MSFT, `f2` MSFT; both symbols priced on the leader. */
  async function cluster() {
    const f1 = member('f1', 'follower');
    const f2 = member('f2', 'follower');
    f1.hub.demand.add('AAPL', 'watchlist');
    f1.hub.demand.add('MSFT', 'watchlist');
    f2.hub.demand.add('MSFT', 'watchlist');
    const leader = member('leader', 'leader');
    await vi.advanceTimersByTimeAsync(0);
    expect(leader.upstream().watched).toEqual(['AAPL', 'MSFT']);
    leader.upstream().pushQuote(base('AAPL', 100));
    leader.upstream().pushQuote(base('MSFT', 400));
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    network.published.length = 0;
    for (const each of members) {
      each.ticks.length = 0;
      each.updates.length = 0;
    }
    return { leader, f1, f2 };
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    network = new MemoryBusNetwork();
  });

  afterEach(async () => {
    for (const each of members.splice(0)) await each.feed.close();
    vi.useRealTimers();
  });

  it('sends each follower, once per window, the latest quote of every changed symbol it wants, with the volume and range of every trade', async () => {
    const { leader, f1, f2 } = await cluster();
    const at = clock.now();
    leader.upstream().trade({ symbol: 'AAPL', price: 101, time: at + 1, volume: 1 });
    leader.upstream().trade({ symbol: 'AAPL', price: 103, time: at + 2, volume: 2 });
    leader.upstream().trade({ symbol: 'MSFT', price: 401, time: at + 3, volume: 5 });
    leader.upstream().trade({ symbol: 'AAPL', price: 102, time: at + 4, volume: 3 });

    await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
    expect(network.published.filter(({ channel }) => channel.startsWith('quotes:'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    // One message each: the latest price of each symbol, only the symbols each follower wants.
    expect(relayedTo('f1')).toEqual([
      [
        ['AAPL', 102],
        ['MSFT', 401],
      ],
    ]);
    expect(relayedTo('f2')).toEqual([[['MSFT', 401]]]);
    expect(relayedTo('leader')).toEqual([]);
    // The follower's quote holds what every trade did: the window's high, the day's volume, the change.
    expect(f1.hub.peek('AAPL')?.quote).toMatchObject({
      price: 102,
      high: 103,
      volume: 1006,
      change: 3,
      time: at + 4,
    });
    expect(f2.hub.peek('MSFT')?.quote).toMatchObject({ price: 401, volume: 1005 });
    expect(f1.updates).toEqual(['AAPL', 'MSFT']);

    // Bars and alerts are fed on the leader by every trade, the crossing of 103 included; a
    // follower stores the leader's quotes without ticks, so nothing there counts a volume again.
    expect(leader.ticks).toEqual([
      ['AAPL', 101],
      ['AAPL', 103],
      ['MSFT', 401],
      ['AAPL', 102],
    ]);
    expect(f1.ticks).toEqual([]);
    expect(f2.ticks).toEqual([]);
  });

  it('delays no change by more than the window from the first change, and sends nothing while nothing changes', async () => {
    const { leader } = await cluster();
    await vi.advanceTimersByTimeAsync(1000 - WINDOW_MS - 10);
    expect(relayedTo('f1')).toEqual([]);

    leader.upstream().trade({ symbol: 'AAPL', price: 104, time: clock.now() + 10, volume: 1 });
    await vi.advanceTimersByTimeAsync(WINDOW_MS - 5);
    // A change late in the window goes with it, not a window later.
    leader.upstream().trade({ symbol: 'MSFT', price: 402, time: clock.now() + 11, volume: 1 });
    await vi.advanceTimersByTimeAsync(4);
    expect(relayedTo('f1')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(relayedTo('f1')).toEqual([
      [
        ['AAPL', 104],
        ['MSFT', 402],
      ],
    ]);

    // The next change opens a window of its own.
    await vi.advanceTimersByTimeAsync(7);
    leader.upstream().trade({ symbol: 'AAPL', price: 105, time: clock.now() + 12, volume: 1 });
    await vi.advanceTimersByTimeAsync(WINDOW_MS - 1);
    expect(relayedTo('f1')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(relayedTo('f1')).toEqual([
      [
        ['AAPL', 104],
        ['MSFT', 402],
      ],
      [['AAPL', 105]],
    ]);
  });

  it('relays a symbol a follower starts wanting from the next window, without waiting for a demand round', async () => {
    const { leader, f2 } = await cluster();
    f2.hub.demand.add('AAPL', 'screen');
    leader.upstream().trade({ symbol: 'AAPL', price: 99.5, time: clock.now() + 1, volume: 1 });
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(relayedTo('f2')).toEqual([[['AAPL', 99.5]]]);
    expect(f2.hub.peek('AAPL')?.quote.price).toBe(99.5);
  });

  it('sends what the window holds at once when the leader steps down', async () => {
    const { leader, f1 } = await cluster();
    leader.upstream().trade({ symbol: 'AAPL', price: 106, time: clock.now() + 1, volume: 1 });
    leader.setRole('follower');
    expect(relayedTo('f1')).toEqual([[['AAPL', 106]]]);
    expect(f1.hub.peek('AAPL')?.quote.price).toBe(106);
    // Nothing more from it once it follows.
    await vi.advanceTimersByTimeAsync(WINDOW_MS);
    expect(relayedTo('f1')).toHaveLength(1);
  });

  it('carries every field of a quote across, its source and delay too, in fewer bytes than the object', () => {
    const full: Quote = {
      ...base('BINANCE:BTCUSDT', 67000.5),
      change: null,
      changePercent: null,
      source: 'binance',
      delayMinutes: 0,
    };
    const bare = base('VOD.L', 72.1);
    const message = `[${encodeQuote(full)},${encodeQuote(bare)}]`;
    const [decodedFull, decodedBare] = decodeQuotes(message);
    expect(decodedFull).toStrictEqual(full);
    expect(decodedBare).toStrictEqual(bare);
    expect(encodeQuote(full).length).toBeLessThan(JSON.stringify(full).length * 0.6);
  });
});
