import { randomUUID } from 'node:crypto';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioAccounts, portfolioSettings, transactions } from '../../src/db/schema.js';
import { replaceBars } from '../../src/history/history.repository.js';
import { insertTransactions } from '../../src/portfolio/ledger.repository.js';
import type { TransactionInput } from '../../src/portfolio/portfolio.schemas.js';
import { testDatabaseKinds } from '../support/database.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/**
 * GET /performance over a ledger and daily bars written straight to the database (the account and
 * transaction routes are another part's). Today is 2024-01-01.
 */

const TODAY = Date.parse('2024-01-01T15:00:00Z');

describe.each(testDatabaseKinds())('GET /performance on %s', (kind) => {
  let t: TestApp;
  let owner: TestClient;
  let ownerId: string;
  let usdAccount: string;
  let eurAccount: string;

  const account = async (userId: string, name: string, currency: string) => {
    const [row] = await t.database.db
      .insert(portfolioAccounts)
      .values({ userId, name, currency })
      .returning({ id: portfolioAccounts.id });
    return row?.id ?? '';
  };
  const dailyCloses = (symbol: string, closes: Record<string, number>) =>
    replaceBars(
      t.database.db,
      symbol,
      '1d',
      Object.entries(closes).map(([date, close]) => ({
        time: Date.parse(`${date}T00:00:00Z`),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1,
      })),
    );
  const transactionCount = async () =>
    (await t.database.db.select({ n: count() }).from(transactions))[0]?.n ?? 0;

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock: new ManualClock(TODAY) });
    owner = new TestClient(t.app);
    ownerId = (await owner.register()).id;
    usdAccount = await account(ownerId, 'Broker', 'USD');
    eurAccount = await account(ownerId, 'Depot', 'EUR');
    // The unit test's scenario: a deposit, a rise, a second deposit before a fall, a withdrawal.
    const usd = (input: Omit<TransactionInput, 'accountId' | 'currency'>): TransactionInput => ({
      accountId: usdAccount,
      currency: 'USD',
      ...input,
    });
    await insertTransactions(t.database.db, ownerId, [
      usd({ type: 'deposit', amount: '1000', date: '2021-01-01' }),
      usd({ type: 'buy', symbol: 'XYZ', quantity: '10', price: '100', date: '2021-01-01' }),
      usd({ type: 'deposit', amount: '1000', date: '2022-01-01' }),
      usd({ type: 'withdrawal', amount: '500', date: '2023-01-01' }),
      // 100 EUR kept as cash from the last day of 2023 on.
      { accountId: eurAccount, currency: 'EUR', type: 'deposit', amount: '100', date: '2023-12-31' },
    ]);
    await dailyCloses('XYZ', {
      '2021-01-01': 100,
      '2022-01-01': 130,
      '2023-01-01': 120,
      '2024-01-01': 149.1,
    });
    await dailyCloses('OANDA:EUR_USD', { '2023-12-29': 1.1, '2024-01-01': 1.2 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers one account's returns and value over time, worked out by hand", async () => {
    const response = await owner.request('GET', `/api/v1/performance?range=all&account=${usdAccount}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      range: 'all',
      baseCurrency: 'USD',
      from: '2021-01-01',
      to: '2024-01-01',
      // 1.3 x 2200 / 2300 x 1991 / 1700 - 1, and the rate solving
      // 1000 x 1.1^3 + 1000 x 1.1^2 = 500 x 1.1 + 1991.
      timeWeightedReturn: '45.63',
      moneyWeightedReturn: '10.00',
    });
    expect(body.series).toHaveLength(1096);
    expect(body.series[0]).toEqual({ date: '2021-01-01', value: '1000.00', netFlow: '1000.00' });
    expect(body.series.find((point: { date: string }) => point.date === '2023-01-01')).toEqual({
      date: '2023-01-01',
      value: '1700.00',
      netFlow: '-500.00',
    });
    expect(body.series.at(-1)).toEqual({ date: '2024-01-01', value: '1991.00', netFlow: '0.00' });
  });

  it('totals every account in the base currency at each day rate, over the range asked (1y by default)', async () => {
    const body = (await owner.request('GET', '/api/v1/performance')).json();
    expect(body).toMatchObject({ range: '1y', from: '2023-01-02', to: '2024-01-01' });
    // 31 December: 1700 + 100 EUR at Friday's 1.1; today: 1991 + 100 EUR at 1.2.
    expect(body.series.at(-2)).toEqual({ date: '2023-12-31', value: '1810.00', netFlow: '110.00' });
    expect(body.series.at(-1)).toEqual({ date: '2024-01-01', value: '2111.00', netFlow: '0.00' });
    // Every day a return of 0 until the 31st, whose (1810 - 110) / 1700 is 0 too: 2111 / 1810 - 1.
    expect(body.timeWeightedReturn).toBe('16.63');
  });

  it('answers in the base currency of the settings', async () => {
    const other = new TestClient(t.app);
    const otherId = (await other.register()).id;
    await t.database.db.insert(portfolioSettings).values({ userId: otherId, baseCurrency: 'EUR' });
    const cash = await account(otherId, 'Cash', 'USD');
    await insertTransactions(t.database.db, otherId, [
      { accountId: cash, currency: 'USD', type: 'deposit', amount: '120', date: '2023-12-31' },
    ]);
    const body = (await other.request('GET', '/api/v1/performance?range=ytd')).json();
    // 120 USD at 1.2 USD a euro.
    expect(body).toMatchObject({ baseCurrency: 'EUR', from: '2024-01-01', timeWeightedReturn: '-8.33' });
    expect(body.series).toEqual([{ date: '2024-01-01', value: '100.00', netFlow: '0.00' }]);
  });

  it('answers an empty ledger with no series', async () => {
    const newcomer = new TestClient(t.app);
    await newcomer.register();
    const body = (await newcomer.request('GET', '/api/v1/performance?range=all')).json();
    expect(body).toEqual({
      range: 'all',
      baseCurrency: 'USD',
      from: '2024-01-01',
      to: '2024-01-01',
      timeWeightedReturn: null,
      moneyWeightedReturn: null,
      series: [],
    });
  });

  it.each([
    ['range=2y', 400, 'validation_error'],
    ['account=not-a-uuid', 400, 'validation_error'],
    [`account=${randomUUID()}`, 404, 'account_not_found'],
  ])('refuses %s with %i %s and writes nothing', async (query, status, code) => {
    const before = await transactionCount();
    const response = await owner.request('GET', `/api/v1/performance?${query}`);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect(await transactionCount()).toBe(before);
  });

  it("answers 404 for another user's account and shows none of it", async () => {
    const stranger = new TestClient(t.app);
    await stranger.register();
    const response = await stranger.request('GET', `/api/v1/performance?account=${usdAccount}`);
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('account_not_found');
    expect(response.body).not.toContain('1991');
  });

  it('needs a session', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/performance' });
    expect(response.statusCode).toBe(401);
  });
});
