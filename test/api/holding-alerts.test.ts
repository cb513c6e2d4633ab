import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEvents, alertRules } from '../../src/db/schema.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { testDatabaseKinds } from '../support/database.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** The fixed clock: 2026-01-05 (a Monday), 15:00 UTC, 10:00 in New York. */
const NOW = Date.parse('2026-01-05T15:00:00Z');

describe.each(testDatabaseKinds())('alerts on holdings on %s', (kind) => {
  let t: TestApp;
  let feed: ScriptedFeed;
  const clock = new ManualClock(NOW);
  let tickTime = NOW;

  beforeAll(async () => {
    feed = new ScriptedFeed();
    t = await startTestApp({
      database: kind,
      clock,
      market: { provider: new SimulatedMarket(1, clock), feed },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A trade a millisecond after the previous one (the evaluator ignores older ones). */
  const trade = (symbol: string, price: number) => {
    tickTime += 1;
    feed.trade({ symbol, price, time: tickTime, volume: 1 });
  };

  async function investor(holdings: Array<{ symbol: string; quantity: string; price: string; fee: string }>) {
    const client = new TestClient(t.app);
    const user = await client.register();
    const created = await client.request('POST', '/api/v1/accounts', { name: 'Broker', currency: 'USD' });
    const accountId = created.json().account.id as string;
    const add = async (body: Record<string, unknown>) => {
      const answer = await client.request('POST', '/api/v1/transactions', {
        accountId,
        currency: 'USD',
        ...body,
      });
      expect(answer.statusCode, answer.body).toBe(201);
    };
    for (const holding of holdings) await add({ type: 'buy', date: '2026-01-02', ...holding });
    return { client, user, add };
  }

  const firings = async (ruleId: string) => {
    const [row] = await t.database.db
      .select({ n: count() })
      .from(alertEvents)
      .where(eq(alertEvents.ruleId, ruleId));
    return row?.n ?? 0;
  };

  it('fires a position gain once at the level its cost derives, moved by a new buy, in the notification centre', async () => {
    feed.push('AAPL', 100, 100, tickTime);
    // Bought 10 @ 100 with a fee of 1: cost 1,001, so +10 % is at 110.11.
    const { client, add } = await investor([{ symbol: 'AAPL', quantity: '10', price: '100', fee: '1' }]);
    const created = await client.request('POST', '/api/v1/alerts', {
      symbol: 'aapl',
      kind: 'position_gain',
      threshold: 10,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { alert, pastThreshold } = created.json();
    expect(pastThreshold).toBe(false);
    expect(alert).toMatchObject({ symbol: 'AAPL', kind: 'position_gain', threshold: 10, status: 'active' });

    trade('AAPL', 104);
    trade('AAPL', 104.61);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings(alert.id)).toBe(0);

    // 10 more @ 90 fee 1: 20 units cost 1,902 (95.10 each), so +10 % is now at 104.61.
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '90', fee: '1', date: '2026-01-05' });
    await expect
      .poll(
        async () => {
          trade('AAPL', 104);
          trade('AAPL', 104.61);
          return firings(alert.id);
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(1);
    trade('AAPL', 100);
    trade('AAPL', 120);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings(alert.id)).toBe(1);

    const listed = (await client.request('GET', '/api/v1/notifications')).json();
    expect(listed).toMatchObject({
      unread: 1,
      items: [
        {
          kind: 'alert_fired',
          alertId: alert.id,
          symbol: 'AAPL',
          price: 104.61,
          message: 'Your AAPL holding is up 10.00 % on its cost (alert at +10 %): 104.61 (simulated market)',
        },
      ],
    });
    const rule = (await client.request('GET', `/api/v1/alerts/${alert.id}`)).json().alert;
    expect(rule).toMatchObject({ status: 'fired', fireCount: 1 });
  });

  it('takes the level of the cost-basis method the user switches to', async () => {
    feed.push('AMZN', 112, 112, tickTime);
    // Buy 10 @ 100 fee 1, buy 10 @ 110 fee 1, sell 5 @ 120 fee 1: 15 left costing 1,576.50 on
    // average (+10 % at 115.61) and 1,601.50 under FIFO (+10 % at 117.4433...).
    const { client, add } = await investor([
      { symbol: 'AMZN', quantity: '10', price: '100', fee: '1' },
      { symbol: 'AMZN', quantity: '10', price: '110', fee: '1' },
    ]);
    await add({ type: 'sell', symbol: 'AMZN', quantity: '5', price: '120', fee: '1', date: '2026-01-02' });
    const created = await client.request('POST', '/api/v1/alerts', {
      symbol: 'AMZN',
      kind: 'position_gain',
      threshold: 10,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json().alert;
    const switched = await client.request('PATCH', '/api/v1/portfolio/settings', { costBasis: 'fifo' });
    expect(switched.statusCode, switched.body).toBe(200);
    // The level is derived again after the change is stored (the event is followed asynchronously).
    await new Promise((resolve) => setTimeout(resolve, 500));
    trade('AMZN', 117);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings(id)).toBe(0);
    trade('AMZN', 117.45);
    await expect.poll(() => firings(id), { timeout: 5000 }).toBe(1);
    const [event] = (await client.request('GET', `/api/v1/alerts/${id}/events`)).json().items;
    expect(event).toMatchObject({
      price: 117.45,
      message: 'Your AMZN holding is up 10.01 % on its cost (alert at +10 %): 117.45 (simulated market)',
    });
  });

  it('fires a portfolio day move each way once a trading day, against the value at the previous closes', async () => {
    feed.push('MSFT', 100, 100, tickTime);
    // 1,000 deposited, 10 MSFT bought at 100: worth 1,000 at the previous close, all of it in MSFT.
    const { client, add } = await investor([]);
    await add({ type: 'deposit', amount: '1000', date: '2026-01-02' });
    await add({ type: 'buy', symbol: 'MSFT', quantity: '10', price: '100', fee: '0', date: '2026-01-02' });
    const created = await client.request('POST', '/api/v1/alerts', {
      kind: 'portfolio_day_move',
      threshold: 2,
      frequency: 'rearm',
    });
    expect(created.statusCode, created.body).toBe(201);
    const { alert } = created.json();
    expect(alert).toMatchObject({ symbol: null, kind: 'portfolio_day_move', threshold: 2, armed: true });

    trade('MSFT', 101.9);
    trade('MSFT', 102);
    await expect.poll(() => firings(alert.id), { timeout: 5000 }).toBe(1);
    trade('MSFT', 97.9);
    await expect.poll(() => firings(alert.id), { timeout: 5000 }).toBe(2);
    // Up again the same trading day: that way already fired today.
    trade('MSFT', 102.5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings(alert.id)).toBe(2);
    // Paused and resumed, the rule is loaded afresh: its stored firings still hold both ways today.
    for (const status of ['paused', 'active']) {
      const changed = await client.request('PATCH', `/api/v1/alerts/${alert.id}`, { status });
      expect(changed.statusCode, changed.body).toBe(200);
    }
    trade('MSFT', 97);
    trade('MSFT', 103);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await firings(alert.id)).toBe(2);

    const log = (await client.request('GET', `/api/v1/alerts/${alert.id}/events`)).json().items;
    expect(log).toEqual([
      expect.objectContaining({
        occurrence: 2,
        symbol: null,
        threshold: -2,
        price: 979,
        message: 'Your portfolio is down 2.10 % today (alert at ±2 %): 979.00 USD (simulated market)',
      }),
      expect.objectContaining({
        occurrence: 1,
        symbol: null,
        threshold: 2,
        price: 1020,
        message: 'Your portfolio is up 2.00 % today (alert at ±2 %): 1,020.00 USD (simulated market)',
      }),
    ]);
    const listed = (await client.request('GET', '/api/v1/notifications')).json();
    expect(listed.items).toHaveLength(2);
    expect(listed.items[0]).toMatchObject({ symbol: null, price: 979 });
  });

  it('refuses bad rules with a 400 naming the field, and writes nothing', async () => {
    feed.push('NVDA', 100, 100, tickTime);
    const { client, user } = await investor([{ symbol: 'AAPL', quantity: '1', price: '100', fee: '0' }]);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a position on a symbol not held', { symbol: 'NVDA', kind: 'position_gain', threshold: 10 }, 'symbol'],
      ['a position without a symbol', { kind: 'position_loss', threshold: 10 }, 'symbol'],
      [
        'a portfolio move with a symbol',
        { symbol: 'AAPL', kind: 'portfolio_day_move', threshold: 2 },
        'symbol',
      ],
      ['a threshold of 0', { symbol: 'AAPL', kind: 'position_gain', threshold: 0 }, 'threshold'],
      ['a negative threshold', { kind: 'portfolio_day_move', threshold: -2 }, 'threshold'],
      ['a loss of 100 %', { symbol: 'AAPL', kind: 'position_loss', threshold: 100 }, 'threshold'],
    ];
    for (const [what, body, field] of cases) {
      const answer = await client.request('POST', '/api/v1/alerts', body);
      expect(answer.statusCode, what).toBe(400);
      expect(answer.json().error.code, what).toBe('validation_error');
      expect(answer.json().error.fields, what).toHaveProperty(field);
    }
    const [rules] = await t.database.db
      .select({ n: count() })
      .from(alertRules)
      .where(eq(alertRules.userId, user.id));
    expect(rules?.n).toBe(0);

    const loss = await client.request('POST', '/api/v1/alerts', {
      symbol: 'AAPL',
      kind: 'position_loss',
      threshold: 20,
    });
    expect(loss.statusCode).toBe(201);
    const patched = await client.request('PATCH', `/api/v1/alerts/${loss.json().alert.id}`, {
      threshold: 150,
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.fields).toHaveProperty('threshold');
    const stored = await client.request('GET', `/api/v1/alerts/${loss.json().alert.id}`);
    expect(stored.json().alert.threshold).toBe(20);
  });
});
