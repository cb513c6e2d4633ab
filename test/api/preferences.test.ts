import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/database.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const valid = {
  watchlist: {
    columns: ['marketCap', 'price', 'week52Range', 'volume'],
    sort: { column: 'changePercent', direction: 'desc' },
  },
};

describe.each(testDatabaseKinds())('watchlist preferences on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ database: kind });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends the watchlist with what the 52-week and market-cap columns show', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const added = (await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' })).json().item;
    expect(added.metrics).toEqual({
      week52High: expect.any(Number),
      week52Low: expect.any(Number),
      marketCap: expect.any(Number),
    });
    expect(added.metrics.week52Low).toBeLessThan(added.metrics.week52High);
    const [item] = (await client.request('GET', '/api/v1/watchlist')).json().items;
    expect(item.metrics).toEqual(added.metrics);
  });

  it('gives defaults to a new user, then keeps what they save, per user', async () => {
    const alice = new TestClient(t.app);
    const bob = new TestClient(t.app);
    await alice.register();
    await bob.register();
    const defaults = (await alice.request('GET', '/api/v1/preferences')).json();
    expect(defaults).toEqual({
      watchlist: {
        columns: ['price', 'change', 'changePercent', 'volume', 'updated'],
        sort: { column: 'addedAt', direction: 'asc' },
      },
    });

    const saved = await alice.request('PUT', '/api/v1/preferences', valid);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual(valid);
    expect((await alice.request('GET', '/api/v1/preferences')).json()).toEqual(valid);
    expect((await bob.request('GET', '/api/v1/preferences')).json()).toEqual(defaults);

    const again = { watchlist: { ...valid.watchlist, columns: ['price'] } };
    expect((await alice.request('PUT', '/api/v1/preferences', again)).statusCode).toBe(200);
    expect((await alice.request('GET', '/api/v1/preferences')).json()).toEqual(again);
  });

  it.each([
    [
      'an unknown column',
      { watchlist: { ...valid.watchlist, columns: ['price', 'colour'] } },
      'watchlist.columns.1',
    ],
    [
      'a repeated column',
      { watchlist: { ...valid.watchlist, columns: ['price', 'price'] } },
      'watchlist.columns',
    ],
    ['no columns', { watchlist: { ...valid.watchlist, columns: [] } }, 'watchlist.columns'],
    [
      'a bad sort direction',
      { watchlist: { ...valid.watchlist, sort: { column: 'price', direction: 'up' } } },
      'watchlist.sort.direction',
    ],
    [
      'an unknown sort column',
      { watchlist: { ...valid.watchlist, sort: { column: 'mood', direction: 'asc' } } },
      'watchlist.sort.column',
    ],
    ['a missing watchlist', {}, 'watchlist'],
  ])('refuses %s with 400 naming the field, and keeps what was saved', async (_label, body, field) => {
    const client = new TestClient(t.app);
    await client.register();
    await client.request('PUT', '/api/v1/preferences', valid);
    const response = await client.request('PUT', '/api/v1/preferences', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_error');
    expect(Object.keys(response.json().error.fields)).toContain(field);
    expect((await client.request('GET', '/api/v1/preferences')).json()).toEqual(valid);
  });

  it('needs a session, and the CSRF token to save', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/preferences' })).statusCode).toBe(401);
    const client = new TestClient(t.app);
    await client.register();
    const forged = await client.request('PUT', '/api/v1/preferences', valid, { 'x-csrf-token': 'nope' });
    expect(forged.statusCode).toBe(403);
    expect((await client.request('GET', '/api/v1/preferences')).json().watchlist.columns).not.toEqual(
      valid.watchlist.columns,
    );
  });
});
