import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { SGOV_ANSWERED_AS_IBHJ } from '../support/finnhub-fixtures/recorded-answers.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe.each(testDatabaseKinds())('answers Finnhub really gave, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      database: kind,
      env: { FINNHUB_API_KEY: fake.apiKey, FINNHUB_API_URL: fake.url, FINNHUB_WS_URL: fake.wsUrl },
    });
    client = new TestClient(t.app);
    await client.register();
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });
  afterEach(() => {
    fake.profiles.delete('SGOV');
    fake.profiles.delete('IBHJ');
  });

  it('does not show (nor keep) a profile answered for another ticker as the one asked for', async () => {
    fake.profiles.set('SGOV', SGOV_ANSWERED_AS_IBHJ);
    const response = await client.request('GET', '/api/v1/quotes/SGOV/profile');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ symbol: 'SGOV', name: null, exchange: null, ipo: null });
  });

  it('takes "N/A" and empty strings as no value', async () => {
    fake.profiles.set('IBHJ', SGOV_ANSWERED_AS_IBHJ);
    const profile = (await client.request('GET', '/api/v1/quotes/IBHJ/profile')).json();
    expect(profile).toEqual({
      symbol: 'IBHJ',
      name: 'iShares iBonds 2030 Term High Yield and Income ETF',
      exchange: 'BATS EXCHANGE',
      currency: null,
      industry: null,
      country: 'US',
      website: null,
      ipo: '2023-06-23',
      logoUrl: null,
    });
  });

  it('prices a listing in its market’s currency, or in none it can tell: never in guessed US dollars', async () => {
    const quote = { c: 72.18, d: 0.5, dp: 0.7, h: 72.5, l: 71.4, o: 71.6, pc: 71.68, t: 1700000000 };
    for (const symbol of ['AFLT.ME', 'ABC.XX', 'DEF.XX']) fake.setQuote(symbol, quote);
    fake.profiles.set('DEF.XX', { name: 'Def Holdings', ticker: 'DEF.XX', currency: 'EUR' });
    const currencyOf = async (symbol: string) =>
      (await client.request('POST', '/api/v1/portfolio', { symbol })).json().item.currency;
    expect(await currencyOf('AFLT.ME')).toBe('RUB');
    expect(await currencyOf('ABC.XX')).toBeNull();
    expect(await currencyOf('DEF.XX')).toBe('EUR');
    expect((await client.request('GET', '/api/v1/quotes/AFLT.ME')).json().currency).toBe('RUB');
    expect((await client.request('GET', '/api/v1/quotes/ABC.XX')).json().currency).toBeNull();
  });
});
