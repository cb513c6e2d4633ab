import { count, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import {
  alertEvents,
  alertRules,
  deliveries,
  notificationChannels,
  notifications,
} from '../../src/db/schema.js';
import { mergeBars } from '../../src/history/history.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const QUOTE = { c: 100, d: 1, dp: 1.01, h: 101, l: 99, o: 99.5, pc: 99, t: 1700000000 };

async function rowCount(database: DatabaseHandle, table: typeof alertRules | typeof notificationChannels) {
  const [row] = await database.db.select({ n: count() }).from(table);
  return row?.n ?? 0;
}

describe.each(testDatabaseKinds())('price alerts on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startFake(symbols = ['NVDA']) {
    const fake = new FakeFinnhub();
    await fake.start();
    cleanups.push(() => fake.stop());
    for (const symbol of symbols) fake.setQuote(symbol, QUOTE);
    return fake;
  }

  async function startApp(fake: FakeFinnhub, database: DatabaseHandle | typeof kind = kind, env = {}) {
    const t: TestApp = await startTestApp({
      database,
      listen: true,
      flushMs: 100,
      env: { ...fake.appEnv(), STREAM_INTERVAL_MS: '50', ...env },
    });
    return t;
  }

  async function setUp(env: Record<string, string> = {}) {
    const fake = await startFake();
    const t = await startApp(fake, kind, env);
    cleanups.push(() => t.close());
    const client = new TestClient(t.app);
    const user = await client.register();
    return { fake, t, client, user };
  }

  const create = (client: TestClient, body: Record<string, unknown>) =>
    client.request('POST', '/api/v1/alerts', body);

  it('fires on the trade that crosses, with no browser open: stored once, in the notification centre, on open streams', async () => {
    const { fake, t, client } = await setUp();
    const created = await create(client, { symbol: 'nvda', kind: 'price_cross_up', threshold: 105 });
    expect(created.statusCode).toBe(201);
    const { alert, pastThreshold } = created.json();
    expect(pastThreshold).toBe(false);
    expect(alert).toMatchObject({
      symbol: 'NVDA',
      kind: 'price_cross_up',
      threshold: 105,
      frequency: 'once',
      status: 'active',
      armed: true,
      channels: [],
      fireCount: 0,
    });
    // The rule's symbol is wanted by the market: subscribed upstream with no stream open.
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);

    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    cleanups.push(() => stream.close());
    await stream.next((frame) => frame.type === 'status');

    fake.trades([
      { s: 'NVDA', p: 104.5, t: Date.now(), v: 1 },
      { s: 'NVDA', p: 105.25, t: Date.now() + 1, v: 1 },
      { s: 'NVDA', p: 106, t: Date.now() + 2, v: 1 },
    ]);
    const frame = (await stream.next((f) => f.type === 'alert')) as unknown as {
      alert: { id: string; alertId: string; price: number; message: string; symbol: string };
    };
    expect(frame.alert).toMatchObject({ alertId: alert.id, symbol: 'NVDA', price: 105.25 });
    expect(frame.alert.message).toBe('NVDA crossed above 105.00: 105.25');

    const listed = await client.request('GET', '/api/v1/notifications');
    expect(listed.json()).toMatchObject({
      unread: 1,
      items: [{ kind: 'alert_fired', alertId: alert.id, symbol: 'NVDA', price: 105.25, read: false }],
    });
    const rule = (await client.request('GET', `/api/v1/alerts/${alert.id}`)).json().alert;
    expect(rule).toMatchObject({ status: 'fired', armed: false, fireCount: 1 });
    const log = (await client.request('GET', `/api/v1/alerts/${alert.id}/events`)).json().items;
    expect(log).toEqual([
      expect.objectContaining({
        id: frame.alert.id,
        occurrence: 1,
        price: 105.25,
        simulated: false,
        deliveries: [],
      }),
    ]);

    // More crossings change nothing: a `once` rule is done.
    fake.trades([
      { s: 'NVDA', p: 100, t: Date.now() + 3, v: 1 },
      { s: 'NVDA', p: 110, t: Date.now() + 4, v: 1 },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [events] = await t.database.db.select({ n: count() }).from(alertEvents);
    expect(events?.n).toBe(1);
    // Fired for good: the market no longer needs the symbol.
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual([]);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^stocktracker_alert_firings_total\{kind="price_cross_up"\} 1$/m);
    expect(metrics).toMatch(/^stocktracker_alert_rules_active 0$/m);
  });

  it('waits for the price to come back when created past the threshold, and says so', async () => {
    const { fake, client } = await setUp();
    const created = await create(client, { symbol: 'NVDA', kind: 'price_cross_up', threshold: 95 });
    expect(created.json().pastThreshold).toBe(true);
    const id = created.json().alert.id;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    fake.trade('NVDA', 101);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await client.request('GET', `/api/v1/alerts/${id}`)).json().alert.fireCount).toBe(0);
    fake.trades([
      { s: 'NVDA', p: 94, t: Date.now() + 1, v: 1 },
      { s: 'NVDA', p: 95.5, t: Date.now() + 2, v: 1 },
    ]);
    await expect
      .poll(async () => (await client.request('GET', `/api/v1/alerts/${id}`)).json().alert.fireCount, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it('fires a gap across a restart once, and never twice for the same firing', async () => {
    const fake = await startFake();
    const first = await startApp(fake);
    const database = first.database;
    cleanups.push(() => database.close());
    const client = new TestClient(first.app);
    await client.register();
    const rearm = await create(client, {
      symbol: 'NVDA',
      kind: 'price_cross_up',
      threshold: 105,
      frequency: 'rearm',
      cooldownMinutes: 0,
    });
    const id = rearm.json().alert.id;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    fake.trade('NVDA', 101);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.app.close();
    await expect.poll(() => fake.openStreams(), { timeout: 10_000 }).toBe(0);

    // While the app is down the market jumps past the threshold; the first trade after the
    // restart is compared with the last stored quote (101), and fires once.
    const second = await startApp(fake, database);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    fake.trades([
      { s: 'NVDA', p: 110, t: Date.now(), v: 1 },
      { s: 'NVDA', p: 111, t: Date.now() + 1, v: 1 },
    ]);
    const secondClient = new TestClient(second.app);
    secondClient.cookie = client.cookie;
    secondClient.csrfToken = client.csrfToken;
    await expect
      .poll(
        async () => (await secondClient.request('GET', `/api/v1/alerts/${id}/events`)).json().items.length,
        { timeout: 10_000 },
      )
      .toBe(1);
    expect((await secondClient.request('GET', `/api/v1/alerts/${id}/events`)).json().items[0]).toMatchObject({
      occurrence: 1,
      price: 110,
    });
    await second.app.close();
    await expect.poll(() => fake.openStreams(), { timeout: 10_000 }).toBe(0);

    // A third start, same trades replayed: the rule is disarmed (stored with the firing), nothing fires.
    const third = await startApp(fake, database);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    fake.trades([{ s: 'NVDA', p: 112, t: Date.now(), v: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [events] = await database.db
      .select({ n: count() })
      .from(alertEvents)
      .where(eq(alertEvents.ruleId, id));
    expect(events?.n).toBe(1);
    await third.app.close();
  });

  it('pauses a rule that fires more than 10 times in an hour, and tells the user', async () => {
    const { fake, client } = await setUp();
    const created = await create(client, {
      symbol: 'NVDA',
      kind: 'price_cross',
      threshold: 100.5,
      frequency: 'rearm',
      cooldownMinutes: 0,
      hysteresisPercent: 0.1,
    });
    const id = created.json().alert.id;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    const start = Date.now();
    fake.trades(
      Array.from({ length: 30 }, (_, i) => ({ s: 'NVDA', p: i % 2 ? 99 : 102, t: start + i, v: 1 })),
    );
    await expect
      .poll(async () => (await client.request('GET', `/api/v1/alerts/${id}`)).json().alert, {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'paused', pausedReason: 'flood', fireCount: 10 });
    const items = (await client.request('GET', '/api/v1/notifications')).json().items;
    expect(items.filter((item: { kind: string }) => item.kind === 'alert_fired')).toHaveLength(10);
    expect(items[0]).toMatchObject({ kind: 'alert_paused', alertId: id });
  });

  it('pauses, resumes and deletes rules; the market stops wanting the symbol', async () => {
    const { fake, client } = await setUp();
    const id = (await create(client, { symbol: 'NVDA', kind: 'price_cross_down', threshold: 90 })).json()
      .alert.id;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    const paused = await client.request('PATCH', `/api/v1/alerts/${id}`, { status: 'paused' });
    expect(paused.json().alert).toMatchObject({ status: 'paused', pausedReason: 'user', armed: false });
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual([]);
    const resumed = await client.request('PATCH', `/api/v1/alerts/${id}`, {
      status: 'active',
      threshold: 92,
    });
    expect(resumed.json().alert).toMatchObject({ status: 'active', threshold: 92, armed: true });
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    expect((await client.request('DELETE', `/api/v1/alerts/${id}`)).statusCode).toBe(204);
    expect((await client.request('GET', `/api/v1/alerts/${id}`)).statusCode).toBe(404);
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual([]);
  });

  it('refuses bad input with a clear 4xx and writes nothing', async () => {
    const { t, client } = await setUp({ ALERTS_PER_USER: '1' });
    const other = new TestClient(t.app);
    const otherUser = await other.register();
    const [foreign] = await t.database.db
      .insert(notificationChannels)
      .values({ userId: otherUser.id, type: 'webhook', name: 'theirs', url: 'https://example.com/hook' })
      .returning({ id: notificationChannels.id });
    const valid = { symbol: 'NVDA', kind: 'price_cross_up', threshold: 105 };
    const cases: Array<[unknown, number, string, string?]> = [
      [{ ...valid, kind: 'price_above' }, 400, 'validation_error', 'kind'],
      [{ ...valid, threshold: 0 }, 400, 'validation_error', 'threshold'],
      [{ ...valid, threshold: -5 }, 400, 'validation_error', 'threshold'],
      [{ ...valid, threshold: '105' }, 400, 'validation_error', 'threshold'],
      ['{"symbol":"NVDA","kind":"price_cross_up","threshold":1e999}', 400, 'validation_error', 'threshold'],
      [{ ...valid, kind: 'move_up', threshold: 2 }, 400, 'validation_error', 'windowMinutes'],
      [
        { ...valid, kind: 'move_up', threshold: 2, windowMinutes: 0 },
        400,
        'validation_error',
        'windowMinutes',
      ],
      [
        { ...valid, kind: 'move_up', threshold: 2, windowMinutes: 241 },
        400,
        'validation_error',
        'windowMinutes',
      ],
      [{ ...valid, windowMinutes: 5 }, 400, 'validation_error', 'windowMinutes'],
      [{ ...valid, frequency: 'always' }, 400, 'validation_error', 'frequency'],
      [{ ...valid, expiresAt: '2020-01-01T00:00:00Z' }, 400, 'validation_error', 'expiresAt'],
      [{ ...valid, note: 'a\u0000b' }, 400, 'validation_error', 'note'],
      [{ ...valid, channels: ['not-an-id'] }, 400, 'validation_error', 'channels.0'],
      [{ ...valid, symbol: '$$$' }, 400, 'invalid_symbol'],
      [{ ...valid, symbol: 'ZZZZ' }, 404, 'unknown_symbol'],
      [{ ...valid, channels: [foreign?.id] }, 404, 'channel_not_found'],
    ];
    for (const [body, status, code, field] of cases) {
      const response =
        typeof body === 'string'
          ? await client.request('POST', '/api/v1/alerts', body, { 'content-type': 'application/json' })
          : await create(client, body as Record<string, unknown>);
      const where = JSON.stringify(body);
      expect(response.statusCode, where).toBe(status);
      expect(response.json().error.code, where).toBe(code);
      if (field) expect(Object.keys(response.json().error.fields ?? {}), where).toContain(field);
    }
    expect(await rowCount(t.database, alertRules)).toBe(0);

    expect((await create(client, valid)).statusCode).toBe(201);
    const limited = await create(client, { ...valid, threshold: 110 });
    expect(limited.statusCode).toBe(409);
    expect(limited.json().error.code).toBe('alert_limit_reached');
    expect(await rowCount(t.database, alertRules)).toBe(1);

    // Another user's rule is not there for this one.
    const [mine] = (await client.request('GET', '/api/v1/alerts')).json().items;
    for (const [method, url, body] of [
      ['GET', `/api/v1/alerts/${mine.id}`, undefined],
      ['PATCH', `/api/v1/alerts/${mine.id}`, { status: 'paused' }],
      ['DELETE', `/api/v1/alerts/${mine.id}`, undefined],
      ['GET', `/api/v1/alerts/${mine.id}/events`, undefined],
    ] as const) {
      const response = await other.request(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe('alert_not_found');
    }
    expect((await client.request('GET', `/api/v1/alerts/${mine.id}`)).json().alert.status).toBe('active');
    const patchCases: Array<[unknown, string]> = [
      [{ windowMinutes: 5 }, 'windowMinutes'],
      [{ threshold: 0 }, 'threshold'],
      [{ status: 'fired' }, 'status'],
      [{ channels: [foreign?.id] }, 'channel_not_found'],
    ];
    for (const [body, what] of patchCases) {
      const response = await client.request('PATCH', `/api/v1/alerts/${mine.id}`, body);
      expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, what).toBeLessThan(500);
    }
    expect((await client.request('GET', `/api/v1/alerts/${mine.id}`)).json().alert).toMatchObject({
      threshold: 105,
      status: 'active',
      channels: [],
    });
    expect((await client.request('GET', '/api/v1/alerts/not-an-id')).statusCode).toBe(400);
  });

  it('marks notifications read, some or all, and only the user’s own', async () => {
    const { t, client, user } = await setUp();
    const other = new TestClient(t.app);
    const otherUser = await other.register();
    const at = new Date();
    const rows = await t.database.db
      .insert(notifications)
      .values(
        [user.id, user.id, user.id, otherUser.id].map((userId, i) => ({
          userId,
          kind: 'alert_fired',
          message: `message ${i}`,
          createdAt: new Date(at.getTime() + i),
        })),
      )
      .returning({ id: notifications.id });
    const ids = rows.map((row) => row.id);
    expect((await client.request('GET', '/api/v1/notifications')).json().unread).toBe(3);
    const marked = await client.request('POST', '/api/v1/notifications/read', { ids: [ids[0], ids[3]] });
    expect(marked.json()).toEqual({ unread: 2 });
    expect((await other.request('GET', '/api/v1/notifications?unread=true')).json().unread).toBe(1);
    const unread = (await client.request('GET', '/api/v1/notifications?unread=true')).json().items;
    expect(unread.map((item: { message: string }) => item.message)).toEqual(['message 2', 'message 1']);
    for (const body of [{}, { ids: [] }, { ids: ['nope'] }, { all: false }, { ids: [ids[1]], all: true }]) {
      const response = await client.request('POST', '/api/v1/notifications/read', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await client.request('GET', '/api/v1/notifications?unread=yes')).statusCode).toBe(400);
    expect((await client.request('POST', '/api/v1/notifications/read', { all: true })).json()).toEqual({
      unread: 0,
    });
    expect((await other.request('GET', '/api/v1/notifications')).json().unread).toBe(1);
  });

  it('backtests a rule over the stored 1-minute bars of the last 30 days', async () => {
    const { t, client } = await setUp();
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
    const bar = (i: number, open: number, high: number, low: number, close: number) => ({
      symbol: 'NVDA',
      resolution: '1m' as const,
      start: minute + i * 60_000,
      open,
      high,
      low,
      close,
      volume: 1,
      firstAt: minute + i * 60_000,
      lastAt: minute + i * 60_000 + 59_000,
    });
    await mergeBars(t.database.db, [
      bar(0, 100, 101, 99, 100),
      bar(1, 100, 104, 100, 103),
      bar(2, 103, 106, 102, 104), // crosses 105
      bar(3, 104, 104, 98, 99), // back below
      bar(4, 99, 107, 99, 106), // crosses again
    ]);
    const once = await client.request('POST', '/api/v1/alerts/preview', {
      symbol: 'NVDA',
      kind: 'price_cross_up',
      threshold: 105,
    });
    expect(once.statusCode).toBe(200);
    expect(once.json()).toMatchObject({
      count: 1,
      resolution: '1m',
      currentPrice: 100,
      pastThreshold: false,
    });
    expect(once.json().firings[0].price).toBe(106);
    const rearm = await client.request('POST', '/api/v1/alerts/preview', {
      symbol: 'NVDA',
      kind: 'price_cross_up',
      threshold: 105,
      frequency: 'rearm',
      cooldownMinutes: 0,
    });
    expect(rearm.json()).toMatchObject({ count: 2 });
    expect(rearm.json().firings.map((f: { price: number }) => f.price)).toEqual([106, 107]);
    expect(await rowCount(t.database, alertRules)).toBe(0);
  });

  it('stores a burst of firings from one trade together: each once, with its state, notification, outbox row and frame', async () => {
    const { fake, t, client, user } = await setUp();
    const channelIds: Array<string | undefined> = [];
    for (const name of ['first', 'second']) {
      const [channel] = await t.database.db
        .insert(notificationChannels)
        .values({ userId: user.id, type: 'webhook', name, url: `https://example.com/${name}` })
        .returning({ id: notificationChannels.id });
      channelIds.push(channel?.id);
    }
    // The second channel is turned off: no outbox row for it.
    await t.database.db
      .update(notificationChannels)
      .set({ enabled: false })
      .where(eq(notificationChannels.id, channelIds[1] ?? ''));
    const ids: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const body = { symbol: 'NVDA', kind: 'price_cross_up', threshold: 100 + i, channels: channelIds };
      ids.push((await create(client, i === 12 ? { ...body, frequency: 'rearm' } : body)).json().alert.id);
    }
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toEqual(['NVDA']);
    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    cleanups.push(() => stream.close());
    await stream.next((frame) => frame.type === 'status');

    fake.trade('NVDA', 120);
    const alertFrames = () =>
      stream.frames.flatMap((f) =>
        f.type === 'alert' ? [(f as unknown as { alert: { alertId: string } }).alert] : [],
      );
    await expect.poll(() => alertFrames().length, { timeout: 5000 }).toBe(12);
    const framed = alertFrames().map((alert) => alert.alertId);
    expect(framed.sort()).toEqual([...ids].sort());
    const events = await t.database.db
      .select({ id: alertEvents.id, ruleId: alertEvents.ruleId, occurrence: alertEvents.occurrence })
      .from(alertEvents);
    expect(events.map((event) => event.ruleId).sort()).toEqual([...ids].sort());
    expect(events.every((event) => event.occurrence === 1)).toBe(true);
    const outbox = await t.database.db
      .select({ eventId: deliveries.eventId, channelId: deliveries.channelId })
      .from(deliveries);
    expect(outbox.map((row) => row.eventId).sort()).toEqual(events.map((event) => event.id).sort());
    expect(outbox.every((row) => row.channelId === channelIds[0])).toBe(true);
    expect((await client.request('GET', '/api/v1/notifications')).json().unread).toBe(12);
    const rules = (await client.request('GET', '/api/v1/alerts')).json().items as Array<{
      id: string;
      status: string;
      fireCount: number;
    }>;
    for (const rule of rules) {
      expect(rule).toMatchObject({ status: rule.id === ids[11] ? 'active' : 'fired', fireCount: 1 });
    }
  });

  it('puts a firing’s failed deliveries back in the outbox on redeliver, and only its owner may', async () => {
    const { fake, t, client, user } = await setUp();
    const [channel] = await t.database.db
      .insert(notificationChannels)
      .values({ userId: user.id, type: 'webhook', name: 'hook', url: 'https://example.com/hook' })
      .returning({ id: notificationChannels.id });
    const id = (
      await create(client, {
        symbol: 'NVDA',
        kind: 'price_cross_up',
        threshold: 105,
        channels: [channel?.id],
      })
    ).json().alert.id;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 10_000 }).toEqual(['NVDA']);
    fake.trade('NVDA', 106);
    await expect
      .poll(async () => (await client.request('GET', `/api/v1/alerts/${id}/events`)).json().items.length, {
        timeout: 10_000,
      })
      .toBe(1);
    const [event] = (await client.request('GET', `/api/v1/alerts/${id}/events`)).json().items;
    expect(event.deliveries).toEqual([
      expect.objectContaining({ channelId: channel?.id, channelType: 'webhook' }),
    ]);
    await t.database.db.update(deliveries).set({ status: 'failed', lastError: 'HTTP 500' });
    const other = new TestClient(t.app);
    await other.register();
    expect((await other.request('POST', `/api/v1/alerts/events/${event.id}/redeliver`)).statusCode).toBe(404);
    const again = await client.request('POST', `/api/v1/alerts/events/${event.id}/redeliver`);
    expect(again.statusCode).toBe(200);
    expect(again.json().event.deliveries[0].status).toBe('pending');
    const [row] = await t.database.db.select({ status: deliveries.status }).from(deliveries);
    expect(row?.status).toBe('pending');
  });
});

describe('price alerts on the simulated market', () => {
  it('fire too, and their messages say the market is simulated', async () => {
    const t = await startTestApp({
      database: 'pglite',
      listen: true,
      flushMs: 100,
      env: { STREAM_INTERVAL_MS: '50' },
    });
    try {
      const client = new TestClient(t.app);
      await client.register();
      const price = (await client.request('GET', '/api/v1/quotes/AAPL')).json().price as number;
      // Either way, a hair from the price: the simulated market crosses it within seconds.
      await create(client, { symbol: 'AAPL', kind: 'price_cross', threshold: price * 1.0001 });
      await expect
        .poll(async () => (await client.request('GET', '/api/v1/notifications')).json().items, {
          timeout: 15_000,
        })
        .toEqual([
          expect.objectContaining({
            symbol: 'AAPL',
            message: expect.stringMatching(/\(simulated market\)$/),
          }),
        ]);
    } finally {
      await t.close();
    }
  });

  const create = (client: TestClient, body: Record<string, unknown>) =>
    client.request('POST', '/api/v1/alerts', body);
});
