import { afterEach, describe, expect, it } from 'vitest';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The app against the fake Finnhub (REST and WebSocket), with a user streaming `symbols`. */
async function setUp(options: { symbols: string[]; env?: Record<string, string>; fake?: FakeFinnhub }) {
  const fake = options.fake ?? new FakeFinnhub();
  if (!fake.url) await fake.start();
  for (const symbol of options.symbols) {
    if (!fake.quotes.has(symbol))
      fake.setQuote(symbol, { c: 100, d: 1, dp: 1, h: 101, l: 99, o: 99.5, pc: 99, t: 1700000000 });
  }
  const t = await startTestApp({
    database: 'pglite',
    listen: true,
    env: {
      ...fake.appEnv(),
      FINNHUB_WS_RECONNECT_MIN_MS: '50',
      FINNHUB_WS_RECONNECT_MAX_MS: '200',
      STREAM_INTERVAL_MS: '50',
      ...options.env,
    },
  });
  const client = new TestClient(t.app);
  await client.register();
  for (const symbol of options.symbols) {
    const added = await client.request('POST', '/api/v1/watchlist', { symbol });
    expect(added.statusCode).toBe(201);
  }
  const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
  await stream.next((f) => f.type === 'status');
  return { fake, t, client, stream };
}

const hasPrice =
  (symbol: string, price: number) =>
  (f: { type: string; quotes?: Array<{ symbol: string; price: number }> }) =>
    f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === symbol && q.price === price);

describe('real-time engine against the fake Finnhub', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const track = <T extends { fake: FakeFinnhub; t: TestApp; stream: StreamClient }>(env: T): T => {
    cleanups.push(async () => {
      await env.stream.close();
      await env.t.close();
      await env.fake.stop();
    });
    return env;
  };

  it('merges trades into the last quote: price and time from the trade, range widened, change recomputed', async () => {
    const { fake, stream } = track(await setUp({ symbols: ['AAPL'] }));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    const t = Date.now();
    fake.trade('AAPL', 265.5, { t });
    const frame = await stream.next(hasPrice('AAPL', 265.5));
    const quote = frame.quotes?.find((q) => q.symbol === 'AAPL');
    expect(quote).toMatchObject({
      price: 265.5,
      high: 265.5,
      low: 260.68,
      open: 261.07,
      previousClose: 259.45,
      stale: false,
    });
    expect(quote?.change).toBe(6.05);
    expect(quote?.changePercent).toBeCloseTo((6.05 / 259.45) * 100, 5);
    expect(quote?.time).toBe(new Date(t).toISOString());
  });

  it('reconnects after Finnhub drops the socket, tells browsers, and resubscribes every symbol', async () => {
    const { fake, stream } = track(await setUp({ symbols: ['AAPL', 'MSFT'] }));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL', 'MSFT']);
    const mark = stream.frames.length;
    fake.dropStreams();
    await stream.next((f) => f.type === 'status' && f.feed === 'reconnecting', 3000, mark);
    await stream.next((f) => f.type === 'status' && f.feed === 'live', 3000, mark);
    expect(fake.streamSubscriptions()).toEqual(['AAPL', 'MSFT']);
    expect(fake.openStreams()).toBe(1);
    fake.trade('MSFT', 420.25);
    await stream.next(hasPrice('MSFT', 420.25));
  });

  it('shows reconnecting while Finnhub is down and live prices again when it is back', async () => {
    const { fake, stream } = track(await setUp({ symbols: ['AAPL'] }));
    await expect.poll(() => fake.openStreams()).toBe(1);
    await fake.stop();
    await stream.next((f) => f.type === 'status' && f.feed === 'reconnecting');
    await sleep(300);
    await fake.start();
    await stream.next((f) => f.type === 'status' && f.feed === 'live', 5000, stream.frames.length - 1);
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    fake.trade('AAPL', 270.01);
    await stream.next(hasPrice('AAPL', 270.01));
  });

  it('treats a silent socket (no trades, no pings) as dead and reconnects; pings keep it alive', async () => {
    const { fake } = track(await setUp({ symbols: ['AAPL'], env: { FINNHUB_WS_IDLE_MS: '2000' } }));
    await expect.poll(() => fake.openStreams()).toBe(1);
    // Pings twenty times per idle period, so a loaded machine delaying a few of them does not look like silence.
    const pinger = setInterval(() => fake.ping(), 100);
    await sleep(4000);
    expect(fake.connectionsAccepted).toBe(1);
    clearInterval(pinger);

    fake.stalled = true;
    await expect.poll(() => fake.connectionsAccepted, { timeout: 8000 }).toBeGreaterThanOrEqual(2);
    fake.stalled = false;
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
  });

  it('polls a symbol the socket refuses as invalid over REST, and does not retry it on the socket', async () => {
    const fake = new FakeFinnhub();
    fake.invalidStreamSymbols.add('OANDA:XAU_USD');
    fake.setQuote('OANDA:XAU_USD', {
      c: 2384.65,
      d: 1,
      dp: 0.04,
      h: 2390,
      l: 2380,
      o: 2383,
      pc: 2383.65,
      t: 1700000000,
    });
    const { stream } = track(await setUp({ fake, symbols: ['AAPL', 'OANDA:XAU_USD'] }));
    await stream.next((f) => f.type === 'status' && f.feed === 'degraded');
    expect(fake.streamSubscriptions()).toEqual(['AAPL']);
    const polls = fake.count('/quote', 'OANDA:XAU_USD');
    fake.setQuote('OANDA:XAU_USD', {
      c: 2390.1,
      d: 6.45,
      dp: 0.27,
      h: 2391,
      l: 2380,
      o: 2383,
      pc: 2383.65,
      t: 1700000100,
    });
    await stream.next(hasPrice('OANDA:XAU_USD', 2390.1), 5000);
    expect(fake.count('/quote', 'OANDA:XAU_USD')).toBeGreaterThan(polls);
    await sleep(300);
    expect(fake.streamSubscriptions()).toEqual(['AAPL']);
  });

  it('serves symbols beyond the cap by REST polling, and moves one onto the socket when a slot frees', async () => {
    const fake = new FakeFinnhub();
    fake.symbolCap = 2;
    const { client, stream } = track(await setUp({ fake, symbols: ['AAPL', 'MSFT', 'NVDA'] }));
    await stream.next((f) => f.type === 'status' && f.feed === 'degraded');
    expect(fake.streamSubscriptions()).toHaveLength(2);
    const overflow = ['AAPL', 'MSFT', 'NVDA'].find((s) => !fake.streamSubscriptions().includes(s)) ?? '';
    fake.setQuote(overflow, { c: 123.45, d: 1, dp: 1, h: 124, l: 99, o: 99.5, pc: 99, t: 1700000200 });
    await stream.next(hasPrice(overflow, 123.45), 5000);

    const streamed = fake.streamSubscriptions()[0] ?? '';
    const mark = stream.frames.length;
    expect((await client.request('DELETE', `/api/v1/watchlist/${streamed}`)).statusCode).toBe(204);
    await stream.next((f) => f.type === 'status' && f.feed === 'live', 5000, mark);
    await expect.poll(() => fake.streamSubscriptions()).toContain(overflow);
    expect(fake.streamSubscriptions()).not.toContain(streamed);
  });

  it('keeps to the configured symbol cap without waiting for Finnhub to complain', async () => {
    const { fake, stream } = track(
      await setUp({ symbols: ['AAPL', 'MSFT', 'NVDA'], env: { FINNHUB_WS_MAX_SYMBOLS: '1' } }),
    );
    await stream.next((f) => f.type === 'status' && f.feed === 'degraded');
    await expect.poll(() => fake.streamSubscriptions()).toHaveLength(1);
    await sleep(200);
    expect(fake.streamSubscriptions()).toHaveLength(1);
  });

  it('counts a trade delivered twice once', async () => {
    const { fake, stream } = track(await setUp({ symbols: ['AAPL'] }));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    const t = Date.now();
    fake.trade('AAPL', 262.5, { t, v: 10 });
    await stream.next(hasPrice('AAPL', 262.5));
    await sleep(100);
    const mark = stream.frames.length;
    fake.trade('AAPL', 262.5, { t, v: 10 });
    await sleep(200);
    expect(stream.quotesFor('AAPL', mark)).toEqual([]);
  });

  it('exposes Prometheus metrics for the upstream, the REST budget and the stream', async () => {
    const { fake, t } = track(await setUp({ symbols: ['AAPL'] }));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL']);
    fake.trade('AAPL', 263.25);
    await sleep(200);
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('stocktracker_upstream_connected')).toBe(1);
    expect(value('stocktracker_upstream_subscriptions')).toBe(1);
    expect(value('stocktracker_stream_clients')).toBe(1);
    expect(value('stocktracker_stream_messages_sent_total')).toBeGreaterThanOrEqual(3);
    expect(value('stocktracker_stream_quotes_sent_total')).toBeGreaterThanOrEqual(1);
    expect(value('stocktracker_rest_budget_remaining')).toBeLessThan(55);
    expect(text).toMatch(/stocktracker_rest_calls_total\{status="200"\} [1-9]/);
    expect(text).toMatch(/stocktracker_tick_to_send_seconds_count [1-9]/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toContain(fake.apiKey);
  });
});
