import { describe, expect, it } from 'vitest';
import { DomainEventBus } from '../../src/events.js';
import { createLogger } from '../../src/logger.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { AppMetrics } from '../../src/metrics.js';
import { PriceHub } from '../../src/prices/price-hub.js';
import { type FrameSink, StreamHub } from '../../src/stream/stream-hub.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { scriptedHub } from '../support/scripted-hub.js';
import { ManualClock } from '../support/test-app.js';

class FakeSocket implements FrameSink {
  bufferedAmount = 0;
  readonly frames: Array<{ type: string; quotes?: Array<{ symbol: string; price: number }>; feed?: string }> =
    [];
  closedWith: number | undefined;
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
  send(data: string): void {
    this.frames.push(JSON.parse(data));
  }
  close(code: number): void {
    this.closedWith = code;
  }
  prices(symbol: string): number[] {
    return this.frames
      .flatMap((f) => (f.type === 'quotes' ? (f.quotes ?? []) : []))
      .filter((q) => q.symbol === symbol)
      .map((q) => q.price);
  }
}

function setUp(lanes = 1, held = new Map<string, Set<string>>()) {
  const { clock, feed, hub } = scriptedHub();
  const events = new DomainEventBus();
  const streams = new StreamHub(
    hub,
    events,
    clock,
    new AppMetrics(),
    { intervalMs: 60_000, highWaterBytes: 1000, stuckMs: 5000, lanes },
    (userId) => held.get(userId) ?? new Set(),
  );
  const connect = (userId: string, symbols: string[]) => {
    const socket = new FakeSocket();
    const connection = streams.open(userId, 'session', socket);
    streams.start(connection, symbols, 'live');
    return { socket, connection };
  };
  return { clock, feed, hub, events, streams, connect };
}

describe('stream fan-out', () => {
  it("streams a user's held symbols with their watchlist, and keeps a held one that leaves the watchlist", () => {
    const held = new Map([['u1', new Set(['NVDA'])]]);
    const { feed, events, streams, connect } = setUp(1, held);
    const { socket } = connect('u1', ['AAPL']);
    feed.push('NVDA', 10);
    feed.push('AAPL', 20);
    streams.flush();
    expect(socket.prices('NVDA')).toEqual([10]);

    // Bought after the stream opened: announced by the portfolio, streamed without a reconnect.
    held.get('u1')?.add('AAPL');
    held.get('u1')?.add('MSFT');
    events.emit('portfolio.symbolHeld', { userId: 'u1', symbol: 'MSFT' });
    events.emit('watchlist.symbolRemoved', { userId: 'u1', symbol: 'AAPL' });
    feed.push('MSFT', 30);
    feed.push('AAPL', 21);
    streams.flush();
    expect(socket.prices('MSFT')).toEqual([30]);
    expect(socket.prices('AAPL')).toEqual([20, 21]);
  });

  it('sends each connection one frame per flush with the latest quote of each changed symbol', () => {
    const { feed, streams, connect } = setUp();
    const a = connect('u1', ['AAPL', 'MSFT']);
    const b = connect('u2', ['MSFT']);
    streams.flush();
    const before = [a.socket.frames.length, b.socket.frames.length];
    feed.push('AAPL', 101);
    feed.push('AAPL', 102);
    feed.push('MSFT', 201);
    streams.flush();
    expect(a.socket.frames.length - (before[0] ?? 0)).toBe(1);
    expect(a.socket.frames.at(-1)?.quotes?.map((q) => [q.symbol, q.price])).toEqual([
      ['AAPL', 102],
      ['MSFT', 201],
    ]);
    expect(b.socket.frames.at(-1)?.quotes?.map((q) => [q.symbol, q.price])).toEqual([['MSFT', 201]]);
    streams.flush();
    expect(a.socket.frames.length - (before[0] ?? 0)).toBe(1);
  });

  it('queues nothing for a socket that is not draining, then sends only the latest once it drains', () => {
    const { feed, streams, connect } = setUp();
    const slow = connect('u1', ['AAPL']);
    const fast = connect('u2', ['AAPL']);
    streams.flush();
    const slowFrames = slow.socket.frames.length;
    slow.socket.bufferedAmount = 5000;
    for (let price = 1; price <= 5; price++) {
      feed.push('AAPL', price);
      streams.flush();
    }
    expect(slow.socket.frames.length).toBe(slowFrames);
    expect(fast.socket.prices('AAPL').slice(-5)).toEqual([1, 2, 3, 4, 5]);
    slow.socket.bufferedAmount = 0;
    streams.flush();
    expect(slow.socket.prices('AAPL').at(-1)).toBe(5);
    expect(slow.socket.frames.length).toBe(slowFrames + 1);
  });

  it('closes a connection stuck above the high-water mark for too long with 1013', () => {
    const { clock, feed, streams, connect } = setUp();
    const stuck = connect('u1', ['AAPL']);
    stuck.socket.bufferedAmount = 5000;
    feed.push('AAPL', 1);
    streams.flush();
    clock.advance(4000);
    feed.push('AAPL', 2);
    streams.flush();
    expect(stuck.socket.closedWith).toBeUndefined();
    clock.advance(2000);
    feed.push('AAPL', 3);
    streams.flush();
    expect(stuck.socket.closedWith).toBe(1013);
    expect(streams.connectionCount()).toBe(0);
  });

  it("follows watchlist events for the user's open connections only", () => {
    const { feed, events, streams, connect, hub } = setUp();
    const mine = connect('u1', []);
    const theirs = connect('u2', []);
    events.emit('watchlist.symbolAdded', { userId: 'u1', symbol: 'TSLA' });
    expect(hub.watchedSymbolCount()).toBe(1);
    feed.push('TSLA', 250);
    streams.flush();
    expect(mine.socket.prices('TSLA')).toEqual([250]);
    expect(theirs.socket.prices('TSLA')).toEqual([]);
    events.emit('watchlist.symbolRemoved', { userId: 'u1', symbol: 'TSLA' });
    expect(hub.watchedSymbolCount()).toBe(0);
    feed.push('TSLA', 251);
    streams.flush();
    expect(mine.socket.prices('TSLA')).toEqual([250]);
  });

  it('spreads connections over staggered lanes, each still getting every change once', () => {
    const { feed, streams } = setUp(3);
    const sockets = Array.from({ length: 6 }, (_, i) => {
      const socket = new FakeSocket();
      streams.start(streams.open(`u${i}`, 'session', socket), ['AAPL'], 'live');
      return socket;
    });
    expect(new Set(sockets.map((_, i) => i % 3)).size).toBe(3);
    feed.push('AAPL', 150);
    streams.flush();
    feed.push('AAPL', 151);
    streams.flush();
    for (const socket of sockets) expect(socket.prices('AAPL')).toEqual([150, 151]);
    streams.closeAll();
  });

  it('terminates a connection that stops answering pings and keeps one that answers', () => {
    const { streams, connect, hub } = setUp();
    const answering = connect('u1', ['AAPL']);
    const silent = connect('u2', ['MSFT']);
    streams.heartbeat();
    expect([answering.socket.pings, silent.socket.pings]).toEqual([1, 1]);
    answering.connection.alive = true;
    streams.heartbeat();
    expect(silent.socket.terminated).toBe(true);
    expect(answering.socket.terminated).toBe(false);
    expect(streams.connectionCount()).toBe(1);
    expect(hub.watchedSymbolCount()).toBe(1);
  });

  it('tells every connection when the feed status changes', () => {
    const { feed, connect } = setUp();
    const a = connect('u1', []);
    feed.setStatus('reconnecting');
    expect(a.socket.frames.at(-1)).toEqual({ type: 'status', feed: 'reconnecting' });
  });
});

describe('price hub trade merging', () => {
  it('keeps the newest price when an older trade arrives late, but widens the range', async () => {
    const { feed, hub } = setUp();
    feed.push('AAPL', 100, 100);
    feed.trade({ symbol: 'AAPL', price: 105, time: Date.now() + 1000, volume: 1 });
    feed.trade({ symbol: 'AAPL', price: 90, time: Date.now() - 1000, volume: 1 });
    expect(hub.peek('AAPL')?.quote).toMatchObject({ price: 105, high: 105, low: 90, change: 5 });
  });

  it('does not retry a failed snapshot fetch on every trade, only after a pause', async () => {
    const clock = new ManualClock();
    const feed = new ScriptedFeed();
    let calls = 0;
    const failing = new SimulatedMarket(1, clock);
    failing.getQuote = async () => {
      calls++;
      throw new Error('provider down');
    };
    new PriceHub({
      provider: failing,
      feed,
      clock,
      logger: createLogger('silent'),
      freshMs: 15_000,
      staleAfterMs: 120_000,
    });
    for (let i = 0; i < 5; i++) {
      feed.trade({ symbol: 'XYZ', price: 10 + i, time: clock.now() + i, volume: 1 });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls).toBe(1);
    clock.advance(31_000);
    feed.trade({ symbol: 'XYZ', price: 20, time: clock.now(), volume: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
  });

  it("sums the day's volume from trades, once per trade, and starts again on a new UTC day", () => {
    const { feed, hub } = setUp();
    const day = Date.parse('2026-11-24T15:00:00Z');
    feed.push('AAPL', 100, 100, day - 60_000);
    expect(hub.peek('AAPL')?.quote.volume).toBeNull();
    feed.trade({ symbol: 'AAPL', price: 101, time: day, volume: 300 });
    feed.trade({ symbol: 'AAPL', price: 101, time: day, volume: 300 });
    feed.trade({ symbol: 'AAPL', price: 102, time: day + 1000, volume: 200 });
    expect(hub.peek('AAPL')?.quote.volume).toBe(500);
    // A /quote snapshot has no volume: the summed volume stays.
    feed.push('AAPL', 102.5, 100, day + 2000);
    expect(hub.peek('AAPL')?.quote).toMatchObject({ price: 102.5, volume: 500 });
    feed.trade({ symbol: 'AAPL', price: 103, time: day + 24 * 60 * 60 * 1000, volume: 7 });
    expect(hub.peek('AAPL')?.quote.volume).toBe(7);
  });

  it('takes open and previous close from a snapshot that arrives after newer trades', () => {
    const { feed, hub } = setUp();
    const now = Date.now();
    feed.trade({ symbol: 'NEW', price: 12.5, time: now, volume: 3 });
    expect(hub.peek('NEW')?.quote).toMatchObject({ price: 12.5, change: null, previousClose: null });
    feed.push('NEW', 12, 10, now - 60_000);
    const quote = hub.peek('NEW')?.quote;
    expect(quote).toMatchObject({ price: 12.5, previousClose: 10, change: 2.5, changePercent: 25 });
  });
});
