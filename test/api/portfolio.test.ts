import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyBackfills, priceBars } from '../../src/db/schema.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { insertTransactions } from '../../src/portfolio/ledger.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** The fixed clock: today is 2026-01-05 (a Monday), 15:00 UTC. */
const TODAY = '2026-01-05';

describe.each(testDatabaseKinds())('the portfolio API on %s', (kind) => {
  let t: TestApp;
  let feed: ScriptedFeed;
  const clock = new ManualClock(Date.parse(`${TODAY}T15:00:00Z`));

  beforeAll(async () => {
    feed = new ScriptedFeed();
    t = await startTestApp({
      database: kind,
      clock,
      market: { provider: new SimulatedMarket(1, clock), feed },
    });
    // EUR/USD closes the test chooses; marked loaded, so no generated past replaces them.
    await t.database.db
      .insert(historyBackfills)
      .values({ symbol: 'OANDA:EUR_USD', source: 'test', completedAt: new Date() });
    await t.database.db.insert(priceBars).values(
      [
        ['2025-12-01', 1.25],
        ['2025-12-15', 1.2],
      ].map(([day, close]) => {
        const start = new Date(`${day}T00:00:00Z`);
        return {
          symbol: 'OANDA:EUR_USD',
          resolution: '1d',
          start,
          open: close as number,
          high: close as number,
          low: close as number,
          close: close as number,
          volume: 0,
          firstAt: start,
          lastAt: start,
        };
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  const rowsOf = async (table: 'transactions' | 'portfolio_accounts', userId: string) => {
    const result = (await t.database.db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table)} where user_id = ${userId}`,
    )) as unknown as { rows: Array<{ n: number }> };
    return result.rows[0]?.n ?? 0;
  };

  async function signedIn() {
    const client = new TestClient(t.app);
    const user = await client.register();
    const created = await client.request('POST', '/api/v1/accounts', { name: 'Broker', currency: 'USD' });
    expect(created.statusCode, created.body).toBe(201);
    const account = created.json().account as { id: string };
    const add = async (body: Record<string, unknown>) =>
      client.request('POST', '/api/v1/transactions', { accountId: account.id, currency: 'USD', ...body });
    return { client, user, account, add };
  }

  it('keeps settings (USD and average by default) and refuses an unknown base currency', async () => {
    const { client, user } = await signedIn();
    expect((await client.request('GET', '/api/v1/portfolio/settings')).json()).toEqual({
      baseCurrency: 'USD',
      costBasis: 'average',
    });
    const changed = await client.request('PATCH', '/api/v1/portfolio/settings', { costBasis: 'fifo' });
    expect(changed.json()).toEqual({ baseCurrency: 'USD', costBasis: 'fifo' });
    const bad = await client.request('PATCH', '/api/v1/portfolio/settings', { baseCurrency: 'XYZ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields).toHaveProperty('baseCurrency');
    const method = await client.request('PATCH', '/api/v1/portfolio/settings', { costBasis: 'lifo' });
    expect(method.statusCode).toBe(400);
    expect((await client.request('GET', '/api/v1/portfolio/settings')).json().costBasis).toBe('fifo');
    expect(user.id).toBeTruthy();
  });

  it('opens, renames and deletes accounts, with their cash; refuses duplicates, unknown currencies and a currency change with transactions', async () => {
    const { client, user, account, add } = await signedIn();
    expect((await add({ type: 'deposit', amount: '0.1', date: '2025-12-01' })).statusCode).toBe(201);
    expect((await add({ type: 'deposit', amount: '0.2', date: '2025-12-02' })).statusCode).toBe(201);
    const list = await client.request('GET', '/api/v1/accounts');
    expect(list.json().accounts).toEqual([
      expect.objectContaining({
        id: account.id,
        name: 'Broker',
        currency: 'USD',
        cash: '0.3',
        transactionCount: 2,
      }),
    ]);

    const duplicate = await client.request('POST', '/api/v1/accounts', { name: 'Broker', currency: 'EUR' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('account_name_taken');
    const unknown = await client.request('POST', '/api/v1/accounts', { name: 'Other', currency: 'XYZ' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields).toHaveProperty('currency');
    const currency = await client.request('PATCH', `/api/v1/accounts/${account.id}`, { currency: 'EUR' });
    expect(currency.statusCode).toBe(409);
    expect(currency.json().error.code).toBe('account_not_empty');
    expect(await rowsOf('portfolio_accounts', user.id)).toBe(1);

    const renamed = await client.request('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Retirement' });
    expect(renamed.json().account).toMatchObject({ name: 'Retirement', currency: 'USD', cash: '0.3' });
    const notEmpty = await client.request('DELETE', `/api/v1/accounts/${account.id}`);
    expect(notEmpty.json().error.code).toBe('account_not_empty');
    expect((await client.request('DELETE', `/api/v1/accounts/${account.id}?force=true`)).statusCode).toBe(
      204,
    );
    expect(await rowsOf('portfolio_accounts', user.id)).toBe(0);
    expect(await rowsOf('transactions', user.id)).toBe(0);
  });

  it("refuses another user's account and transactions with 404, writing nothing", async () => {
    const owner = await signedIn();
    const bought = await owner.add({
      type: 'buy',
      symbol: 'AAPL',
      quantity: '1',
      price: '100',
      date: '2025-12-01',
    });
    const other = new TestClient(t.app);
    const stranger = await other.register();
    const intoTheirs = await other.request('POST', '/api/v1/transactions', {
      accountId: owner.account.id,
      type: 'deposit',
      amount: '5',
      currency: 'USD',
      date: '2025-12-01',
    });
    expect(intoTheirs.statusCode).toBe(404);
    expect(intoTheirs.json().error.code).toBe('account_not_found');
    const id = bought.json().transaction.id;
    expect((await other.request('PATCH', `/api/v1/transactions/${id}`, { quantity: '2' })).statusCode).toBe(
      404,
    );
    expect((await other.request('DELETE', `/api/v1/transactions/${id}`)).statusCode).toBe(404);
    expect(
      (await other.request('PATCH', `/api/v1/accounts/${owner.account.id}`, { name: 'Mine' })).statusCode,
    ).toBe(404);
    expect(
      (await other.request('DELETE', `/api/v1/accounts/${owner.account.id}?force=true`)).statusCode,
    ).toBe(404);
    expect((await other.request('GET', `/api/v1/holdings?account=${owner.account.id}`)).statusCode).toBe(404);
    expect((await other.request('GET', '/api/v1/transactions')).json().transactions).toEqual([]);
    expect(await rowsOf('transactions', stranger.id)).toBe(0);
    expect(await rowsOf('transactions', owner.user.id)).toBe(1);
  });

  it.each([
    [
      'a non-positive quantity',
      { type: 'buy', symbol: 'AAPL', quantity: '0', price: '10' },
      400,
      'validation_error',
      'quantity',
    ],
    [
      'a negative price',
      { type: 'buy', symbol: 'AAPL', quantity: '1', price: '-1' },
      400,
      'validation_error',
      'price',
    ],
    [
      'a date in the future',
      { type: 'buy', symbol: 'AAPL', quantity: '1', price: '10', date: '2026-01-06' },
      400,
      'validation_error',
      'date',
    ],
    [
      'an unknown symbol',
      { type: 'buy', symbol: 'NOPEX', quantity: '1', price: '10' },
      404,
      'unknown_symbol',
      undefined,
    ],
    [
      'a malformed symbol',
      { type: 'buy', symbol: 'A B', quantity: '1', price: '10' },
      400,
      'invalid_symbol',
      undefined,
    ],
    [
      'an unknown currency',
      { type: 'deposit', amount: '10', currency: 'XYZ' },
      400,
      'validation_error',
      'currency',
    ],
    ['a split ratio of 0', { type: 'split', symbol: 'AAPL', ratio: '0:1' }, 400, 'validation_error', 'ratio'],
    [
      'selling more than held',
      { type: 'sell', symbol: 'AAPL', quantity: '11', price: '10' },
      400,
      'insufficient_quantity',
      'quantity',
    ],
    [
      'another currency with no rate',
      { type: 'buy', symbol: 'AAPL', quantity: '1', price: '10', currency: 'SEK' },
      400,
      'fx_rate_required',
      'fxRate',
    ],
    [
      'a rate older than every stored one',
      { type: 'deposit', amount: '10', currency: 'EUR', date: '2020-01-02' },
      400,
      'fx_rate_required',
      'fxRate',
    ],
    [
      'a quantity that is no number',
      { type: 'buy', symbol: 'AAPL', quantity: 'ten', price: '10' },
      400,
      'validation_error',
      'quantity',
    ],
  ])('refuses %s, naming the field, and writes nothing', async (_name, body, status, code, field) => {
    const { user, add } = await signedIn();
    expect(
      (await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '10', date: '2025-12-01' }))
        .statusCode,
    ).toBe(201);
    const response = await add({ date: '2025-12-10', ...body });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
    if (field) expect(Object.keys(response.json().error.fields ?? {})).toContain(field);
    expect(await rowsOf('transactions', user.id)).toBe(1);
  });

  it('refuses a change or a deletion that would leave a later sell selling more than held', async () => {
    const { client, user, add } = await signedIn();
    const buy = (
      await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '100', date: '2025-12-01' })
    ).json().transaction;
    const sell = (
      await add({ type: 'sell', symbol: 'AAPL', quantity: '8', price: '110', date: '2025-12-10' })
    ).json().transaction;
    const removed = await client.request('DELETE', `/api/v1/transactions/${buy.id}`);
    expect(removed.statusCode).toBe(400);
    expect(removed.json().error).toMatchObject({
      code: 'insufficient_quantity',
      fields: { quantity: expect.any(Array) },
    });
    const smaller = await client.request('PATCH', `/api/v1/transactions/${buy.id}`, { quantity: '5' });
    expect(smaller.json().error.code).toBe('insufficient_quantity');
    const later = await client.request('PATCH', `/api/v1/transactions/${buy.id}`, { date: '2025-12-11' });
    expect(later.json().error.code).toBe('insufficient_quantity');
    const reverseSplit = await add({ type: 'split', symbol: 'AAPL', ratio: '1:2', date: '2025-12-05' });
    expect(reverseSplit.json().error.code).toBe('insufficient_quantity');
    expect(await rowsOf('transactions', user.id)).toBe(2);
    const stored = await client.request('GET', `/api/v1/transactions?symbol=aapl`);
    expect(stored.json().transactions.map((tx: { quantity: string }) => tx.quantity)).toEqual(['8', '10']);

    const edited = await client.request('PATCH', `/api/v1/transactions/${sell.id}`, {
      quantity: '10',
      note: 'all',
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().transaction).toMatchObject({ quantity: '10', note: 'all', price: '110' });
    expect((await client.request('DELETE', `/api/v1/transactions/${sell.id}`)).statusCode).toBe(204);
    expect((await client.request('DELETE', `/api/v1/transactions/${sell.id}`)).statusCode).toBe(404);
  });

  it('lets only one of two concurrent sells of everything held through', async () => {
    const { user, add } = await signedIn();
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '100', date: '2025-12-01' });
    const sell = () =>
      add({ type: 'sell', symbol: 'AAPL', quantity: '10', price: '110', date: '2025-12-02' });
    const answers = await Promise.all([sell(), sell(), sell()]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 400, 400]);
    expect(await rowsOf('transactions', user.id)).toBe(2);
  });

  it('lists transactions newest first, filtered and paged, as entered (a split rewrites nothing)', async () => {
    const { client, account, add } = await signedIn();
    await add({ type: 'deposit', amount: '1000', date: '2025-11-01' });
    await add({ type: 'buy', symbol: 'AAPL', quantity: '2', price: '100', date: '2025-11-02' });
    await add({ type: 'split', symbol: 'AAPL', ratio: '4:1', date: '2025-11-03' });
    await add({ type: 'buy', symbol: 'MSFT', quantity: '1', price: '300', date: '2025-11-03' });
    const all = (await client.request('GET', '/api/v1/transactions?pageSize=2')).json();
    expect(all).toMatchObject({ total: 4, page: 1, pageSize: 2 });
    expect(all.transactions.map((tx: { type: string; symbol: string }) => `${tx.type} ${tx.symbol}`)).toEqual(
      ['buy MSFT', 'split AAPL'],
    );
    const second = (await client.request('GET', '/api/v1/transactions?pageSize=2&page=2')).json();
    expect(second.transactions.map((tx: { type: string }) => tx.type)).toEqual(['buy', 'deposit']);
    expect(second.transactions[0]).toMatchObject({ quantity: '2', price: '100', accountId: account.id });
    const ranged = await client.request(
      'GET',
      `/api/v1/transactions?account=${account.id}&from=2025-11-02&to=2025-11-02`,
    );
    expect(ranged.json().total).toBe(1);
    expect((await client.request('GET', '/api/v1/transactions?from=2025-13-01')).statusCode).toBe(400);
  });

  it("answers the issue's example in holdings, both ways, and follows the price", async () => {
    const { client, add } = await signedIn();
    await add({ type: 'deposit', amount: '3000', date: '2025-12-01' });
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '100', fee: '1', date: '2025-12-01' });
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '110', fee: '1', date: '2025-12-02' });
    await add({ type: 'sell', symbol: 'AAPL', quantity: '5', price: '120', fee: '1', date: '2025-12-03' });
    feed.push('AAPL', 130, 125, clock.now());

    const average = (await client.request('GET', '/api/v1/holdings')).json();
    // Cash: 3000 - 1001 - 1101 + 599 = 1497; value 15 x 130 = 1950.
    expect(average).toMatchObject({
      baseCurrency: 'USD',
      costBasis: 'average',
      totals: {
        cash: '1497',
        value: '3447',
        cost: '1576.5',
        unrealized: '373.5',
        realized: '73.5',
        dayGain: '75',
      },
    });
    expect(average.holdings).toEqual([
      expect.objectContaining({
        symbol: 'AAPL',
        name: null,
        quantity: '15',
        price: '130',
        value: '1950',
        cost: '1576.5',
        averageCost: '105.1',
        unrealized: '373.5',
        // 373.5 / 1576.5 = 23.6917 %
        unrealizedPercent: '23.69',
        realized: '73.5',
        dayGain: '75',
        // 1950 / 3447 = 56.5709 %
        weight: '56.57',
      }),
    ]);
    const fifo = (await client.request('GET', '/api/v1/holdings?costBasis=fifo')).json();
    expect(fifo.holdings[0]).toMatchObject({ cost: '1601.5', realized: '98.5', unrealized: '348.5' });

    feed.push('AAPL', 140, 125, clock.now() + 1000);
    const moved = (await client.request('GET', '/api/v1/holdings')).json();
    expect(moved.holdings[0]).toMatchObject({ price: '140', value: '2100', unrealized: '523.5' });
    expect(moved.totals.value).toBe('3597');
  });

  it("sees a write made elsewhere (another instance's) at once, though it keeps replays", async () => {
    const { client, user, account, add } = await signedIn();
    await add({ type: 'buy', symbol: 'AAPL', quantity: '1', price: '100', date: '2025-12-01' });
    expect((await client.request('GET', '/api/v1/holdings')).json().holdings[0].quantity).toBe('1');
    await insertTransactions(t.database.db, user.id, [
      {
        accountId: account.id,
        type: 'buy',
        symbol: 'AAPL',
        quantity: '2',
        price: '100',
        currency: 'USD',
        date: '2025-12-02',
      },
    ]);
    expect((await client.request('GET', '/api/v1/holdings')).json().holdings[0].quantity).toBe('3');
  });

  it('continues its kept replay with a transaction added after the others, and replays again after any other change', async () => {
    const { client, add } = await signedIn();
    const figures = async () => {
      const [holding] = (await client.request('GET', '/api/v1/holdings?costBasis=fifo')).json().holdings;
      return { quantity: holding.quantity, cost: holding.cost, realized: holding.realized };
    };
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '100', fee: '1', date: '2025-12-01' });
    expect(await figures()).toEqual({ quantity: '10', cost: '1001', realized: '0' });
    // After the others in ledger order: the kept replay is continued.
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '110', fee: '1', date: '2025-12-03' });
    expect(await figures()).toEqual({ quantity: '20', cost: '2102', realized: '0' });
    await add({ type: 'sell', symbol: 'AAPL', quantity: '5', price: '120', fee: '1', date: '2025-12-04' });
    expect(await figures()).toEqual({ quantity: '15', cost: '1601.5', realized: '98.5' });
    // Dated before the last one: the whole ledger is replayed (FIFO takes the earlier lot first).
    const early = (
      await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '90', fee: '0', date: '2025-11-01' })
    ).json().transaction;
    expect(await figures()).toEqual({ quantity: '25', cost: '2552', realized: '149' });
    // Deleted: replayed again.
    expect((await client.request('DELETE', `/api/v1/transactions/${early.id}`)).statusCode).toBe(204);
    expect(await figures()).toEqual({ quantity: '15', cost: '1601.5', realized: '98.5' });
  });

  it('expands a holding into its transactions, with what each did', async () => {
    const { client, add } = await signedIn();
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '100', fee: '1', date: '2025-12-01' });
    await add({ type: 'buy', symbol: 'AAPL', quantity: '10', price: '110', fee: '1', date: '2025-12-02' });
    await add({ type: 'sell', symbol: 'AAPL', quantity: '5', price: '120', fee: '1', date: '2025-12-03' });
    feed.push('AAPL', 130, 125, clock.now() + 2000);
    const detail = (await client.request('GET', '/api/v1/holdings/aapl?costBasis=fifo')).json();
    expect(detail.holding).toMatchObject({ symbol: 'AAPL', quantity: '15', cost: '1601.5' });
    expect(detail.quote).toMatchObject({ price: '130', previousClose: '125' });
    expect(
      detail.transactions.map((step: { quantity: string; cost: string; realized: string | null }) => [
        step.quantity,
        step.cost,
        step.realized,
      ]),
    ).toEqual([
      ['10', '1001', null],
      ['20', '2102', null],
      ['15', '1601.5', '98.5'],
    ]);
    expect(detail.transactions[2].lots).toEqual([
      { date: '2025-12-01', quantity: '5', cost: '500.5' },
      { date: '2025-12-02', quantity: '10', cost: '1101' },
    ]);
    const never = (await client.request('GET', '/api/v1/holdings/MSFT')).json();
    expect(never).toMatchObject({ holding: { symbol: 'MSFT', quantity: '0' }, transactions: [] });
  });

  it('converts a EUR account into the USD base at stored and live rates', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const account = (
      await client.request('POST', '/api/v1/accounts', { name: 'Euro', currency: 'EUR' })
    ).json().account;
    feed.push('OANDA:EUR_USD', 1.1, 1.1, clock.now());
    // 1000 EUR deposited when EUR/USD was 1.25 (the 2025-12-01 close) is 1100 USD now.
    const deposit = await client.request('POST', '/api/v1/transactions', {
      accountId: account.id,
      type: 'deposit',
      amount: '1000',
      currency: 'EUR',
      date: '2025-12-03',
    });
    expect(deposit.statusCode).toBe(201);
    // A USD buy in the EUR account: the stored 2025-12-15 close (1.2) gives 0.8333... EUR per USD.
    const buy = await client.request('POST', '/api/v1/transactions', {
      accountId: account.id,
      type: 'buy',
      symbol: 'AAPL',
      quantity: '2',
      price: '120',
      currency: 'USD',
      date: '2025-12-16',
    });
    expect(buy.statusCode, buy.body).toBe(201);
    feed.push('AAPL', 130, 125, clock.now() + 3000);
    const view = (await client.request('GET', '/api/v1/holdings')).json();
    // Cash 1000 - 240 / 1.2 = 800 EUR = 880 USD; AAPL 260 USD; cost 240 USD at 1.2 bought as 200 EUR.
    expect(view.totals).toMatchObject({ cash: '880', value: '1140', cost: '240' });
    expect(view.holdings[0]).toMatchObject({
      currency: 'USD',
      value: '260',
      base: { value: '260', cost: '240', currencyEffect: '0' },
    });
    expect((await client.request('GET', '/api/v1/accounts')).json().accounts[0].cash).toBe('800');
  });

  it('wants every held symbol and the pairs of the currencies in use from the market, and lets go of sold ones', async () => {
    const { client, add } = await signedIn();
    const bought = (
      await add({ type: 'buy', symbol: 'NVDA', quantity: '1', price: '100', date: '2025-12-01' })
    ).json().transaction;
    await expect.poll(() => feed.watched.includes('NVDA')).toBe(true);
    await add({ type: 'sell', symbol: 'NVDA', quantity: '1', price: '100', date: '2025-12-02' });
    await expect.poll(() => feed.watched.includes('NVDA')).toBe(false);
    expect(bought.symbol).toBe('NVDA');
    await client.request('POST', '/api/v1/accounts', { name: 'Pounds', currency: 'GBP' });
    await client.request('PATCH', '/api/v1/portfolio/settings', { baseCurrency: 'GBP' });
    await expect.poll(() => feed.watched.includes('OANDA:GBP_USD')).toBe(true);
  });
});
