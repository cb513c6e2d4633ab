import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { portfolioAccounts, priceBars } from '../../src/db/schema.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { deleteExpiredPreviews } from '../../src/portfolio/imports/imports.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** A multipart/form-data body as a browser's FormData sends it. */
async function form(fields: Record<string, string>, file?: { name: string; content: string | Buffer }) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  if (file) data.set('file', new Blob([file.content]), file.name);
  const encoded = new Response(data);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
  };
}

describe.each(testDatabaseKinds())('imports and exports on %s', (kind) => {
  let t: TestApp;
  let feed: ScriptedFeed;

  beforeAll(async () => {
    feed = new ScriptedFeed();
    t = await startTestApp({
      database: kind,
      market: { provider: new SimulatedMarket(1, systemClock), feed },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const signedIn = async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    return { client, userId: user.id };
  };
  const openAccount = async (userId: string, name = 'Broker', currency = 'USD') => {
    const [account] = await t.database.db
      .insert(portfolioAccounts)
      .values({ userId, name, currency })
      .returning({ id: portfolioAccounts.id });
    return account?.id ?? '';
  };
  const count = async (table: 'transactions' | 'import_previews', userId: string) => {
    const result = (await t.database.db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table)} where user_id = ${userId}`,
    )) as unknown as { rows: Array<{ n: number }> };
    return Number(result.rows[0]?.n);
  };
  const ledgerOf = async (userId: string) => {
    const result = (await t.database.db.execute(sql`
      select a.name as account, t.type, t.symbol, t.quantity::text, t.price::text, t.amount::text,
        t.fee::text, t.tax::text, t.currency, t.date::text, t.fx_rate::text as "fxRate",
        t.split_to::text as "splitTo", t.split_from::text as "splitFrom", t.note
      from transactions t join portfolio_accounts a on a.id = t.account_id
      where t.user_id = ${userId} order by t.date, t.entry`)) as unknown as {
      rows: Array<Record<string, string | null>>;
    };
    return result.rows;
  };
  const preview = async (client: TestClient, content: string, fields: Record<string, string>) => {
    const body = await form(fields, { name: 'trades.csv', content });
    return client.request('POST', '/api/v1/imports/preview', body.payload, body.headers);
  };

  const TRADES = [
    'Date;Ticker;Action;Shares;Price;Commission;Note',
    '02.01.2025;;deposit;;10.000,00;;opening',
    '03.01.2025;aapl;Bought;10;100,5;1;"first; buy"',
    '25/02/2025;MSFT;buy;2,5;400;0;',
    '03/03/2025;AAPL;sold;4;120;1;',
    '04/03/2025;AAPL;div;;7,25;;',
  ].join('\n');

  it('previews a file without writing, then commits every row in one go', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    const response = await preview(client, TRADES, { accountId });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.errors).toEqual([]);
    expect(body.duplicates).toBe(0);
    expect(body.rows).toHaveLength(5);
    expect(body.rows[0]).toMatchObject({ line: 2, type: 'deposit', amount: '10000', duplicate: false });
    expect(body.rows[1]).toMatchObject({
      line: 3,
      type: 'buy',
      symbol: 'AAPL',
      quantity: '10',
      price: '100.5',
      fee: '1',
      currency: 'USD',
      date: '2025-01-03',
      note: 'first; buy',
    });
    // 03/03/2025 is settled as day-first by 25/02/2025 in the same file.
    expect(body.rows[3]).toMatchObject({ type: 'sell', date: '2025-03-03' });
    // A dividend written as a price per row: its amount.
    expect(body.rows[4]).toMatchObject({ type: 'dividend', amount: '7.25' });
    expect(body.rows[4].price).toBeUndefined();
    expect(await count('transactions', userId)).toBe(0);

    const commit = await client.request('POST', `/api/v1/imports/${body.previewId}/commit`);
    expect(commit.statusCode, commit.body).toBe(200);
    expect(commit.json()).toEqual({ imported: 5, skippedDuplicates: 0 });
    const ledger = await ledgerOf(userId);
    expect(
      ledger.map((row) => [row.type, row.symbol, row.quantity, row.price, row.amount, row.date]),
    ).toEqual([
      ['deposit', null, null, null, '10000', '2025-01-02'],
      ['buy', 'AAPL', '10', '100.5', null, '2025-01-03'],
      ['buy', 'MSFT', '2.5', '400', null, '2025-02-25'],
      ['sell', 'AAPL', '4', '120', null, '2025-03-03'],
      ['dividend', 'AAPL', null, null, '7.25', '2025-03-04'],
    ]);
    expect(await count('import_previews', userId)).toBe(0);
    // What the import made held is wanted by the market, like a transaction entered by hand.
    await expect.poll(() => feed.watched.includes('MSFT')).toBe(true);
    const again = await client.request('POST', `/api/v1/imports/${body.previewId}/commit`);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('import_not_found');

    // The same file again: every row is already there, and nothing is added.
    const second = (await preview(client, TRADES, { accountId })).json();
    expect(second.duplicates).toBe(5);
    expect(second.rows.every((row: { duplicate: boolean }) => row.duplicate)).toBe(true);
    const secondCommit = await client.request('POST', `/api/v1/imports/${second.previewId}/commit`);
    expect(secondCommit.json()).toEqual({ imported: 0, skippedDuplicates: 5 });
    expect(await count('transactions', userId)).toBe(5);
  });

  it('keeps two identical rows of one file, and counts them as there the second time', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    const twice = 'date,type,symbol,quantity,price\n2025-01-06,buy,AAPL,1,100\n2025-01-06,buy,AAPL,1,100\n';
    const first = (await preview(client, twice, { accountId })).json();
    expect(first.duplicates).toBe(0);
    expect((await client.request('POST', `/api/v1/imports/${first.previewId}/commit`)).json()).toEqual({
      imported: 2,
      skippedDuplicates: 0,
    });
    const thrice = `${twice}2025-01-06,buy,AAPL,1,100\n`;
    const second = (await preview(client, thrice, { accountId })).json();
    expect(second.rows.map((row: { duplicate: boolean }) => row.duplicate)).toEqual([true, true, false]);
    expect((await client.request('POST', `/api/v1/imports/${second.previewId}/commit`)).json()).toEqual({
      imported: 1,
      skippedDuplicates: 2,
    });
  });

  it('reports each bad row with its line and field, and refuses to commit them', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    await openAccount(userId, 'Savings');
    const file = [
      'date,type,symbol,quantity,price,account',
      '2025-01-06,buy,AAPL,5,100,',
      '2025-01-07,sell,AAPL,10,110,',
      '2025-01-08,buy,NOSUCHSYMBOLZZ,1,10,',
      '2025-01-08,buy,AAPL,1,10,Pension',
      '2025-01-09,buy,AAPL,1,10,Savings',
    ].join('\n');
    const response = await preview(client, file, { accountId });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.errors).toEqual([
      { line: 3, field: 'quantity', message: expect.stringContaining('more AAPL than the account holds') },
      { line: 4, field: 'symbol', message: expect.stringContaining('NOSUCHSYMBOLZZ') },
      { line: 5, field: 'account', message: 'You have no account named "Pension".' },
    ]);
    expect(body.rows.map((row: { line: number }) => row.line)).toEqual([2, 6]);
    const commit = await client.request('POST', `/api/v1/imports/${body.previewId}/commit`);
    expect(commit.statusCode).toBe(409);
    expect(commit.json().error.code).toBe('import_has_errors');
    expect(await count('transactions', userId)).toBe(0);
    // Refused, the preview stays (to be looked at) until it expires.
    expect(await count('import_previews', userId)).toBe(1);
  });

  it('asks for fxRate in another currency unless a rate is stored for that day or before', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId, 'Euro broker', 'EUR');
    const file = 'date,type,symbol,quantity,price,currency\n2025-01-06,buy,AAPL,1,100,USD\n';
    const without = (await preview(client, file, { accountId })).json();
    expect(without.errors).toEqual([
      { line: 2, field: 'fxRate', message: expect.stringContaining('USD/EUR') },
    ]);
    const day = new Date('2025-01-03T00:00:00Z');
    await t.database.db.insert(priceBars).values({
      symbol: 'OANDA:EUR_USD',
      resolution: '1d',
      start: day,
      open: 1.05,
      high: 1.05,
      low: 1.05,
      close: 1.05,
      volume: 0,
      firstAt: day,
      lastAt: day,
    });
    const stored = (await preview(client, file, { accountId })).json();
    expect(stored.errors).toEqual([]);
    const given = (
      await preview(
        client,
        'date,type,symbol,quantity,price,currency,fxRate\n2024-01-02,buy,AAPL,1,100,USD,0.9\n',
        { accountId },
      )
    ).json();
    expect(given.errors).toEqual([]);
  });

  it("answers 404 for another user's preview or account, and writes nothing", async () => {
    const owner = await signedIn();
    const accountId = await openAccount(owner.userId);
    const { previewId } = (await preview(owner.client, TRADES, { accountId })).json();
    const other = await signedIn();
    const commit = await other.client.request('POST', `/api/v1/imports/${previewId}/commit`);
    expect(commit.statusCode).toBe(404);
    expect(commit.json().error.code).toBe('import_not_found');
    const theirs = await preview(other.client, TRADES, { accountId });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('account_not_found');
    expect(await count('transactions', owner.userId)).toBe(0);
    expect(await count('import_previews', other.userId)).toBe(0);
  });

  it('refuses what is not a multipart file upload with a 4xx, writing nothing', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    const json = await client.request('POST', '/api/v1/imports/preview', { accountId });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('unsupported_media_type');

    const noFile = await form({ accountId });
    const missing = await client.request('POST', '/api/v1/imports/preview', noFile.payload, noFile.headers);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.fields).toEqual({ file: ['Choose a file to import.'] });

    const badAccount = await preview(client, TRADES, { accountId: 'not-an-id' });
    expect(badAccount.statusCode).toBe(400);
    expect(badAccount.json().error.fields.accountId).toBeDefined();

    const notTransactions = await preview(client, 'name,colour\nx,blue\n', { accountId });
    expect(notTransactions.statusCode).toBe(400);
    expect(notTransactions.json().error.fields.file[0]).toContain('no date column');

    // Just over 10 MB: refused while reading, whatever the rows.
    const header = 'date,type,symbol,quantity,price\n';
    const row = '2025-01-06,buy,AAPL,1,100\n';
    const large = header + row.repeat(Math.ceil((10 * 1024 * 1024) / row.length));
    const tooLarge = await preview(client, large, { accountId });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('payload_too_large');

    expect(await count('transactions', userId)).toBe(0);
    expect(await count('import_previews', userId)).toBe(0);
  });

  it('takes files over the 16 KiB body limit of the rest of the API', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const day = new Date(Date.UTC(2022, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      return `${day},deposit,,,,${i + 1}`;
    });
    const file = ['date,type,symbol,quantity,price,amount', ...rows].join('\n');
    expect(file.length).toBeGreaterThan(16 * 1024);
    const response = await preview(client, file, { accountId });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().rows).toHaveLength(1000);
  });

  it('exports every transaction in the import format; importing it elsewhere gives the same ledger', async () => {
    const { client, userId } = await signedIn();
    const broker = await openAccount(userId, 'Broker', 'USD');
    await openAccount(userId, 'Euro, "main"', 'EUR');
    const file = [
      'account,date,type,symbol,quantity,price,amount,fee,tax,currency,fxRate,ratio,note',
      'Broker,2024-01-02,deposit,,,,5000,,,USD,,,',
      'Broker,2024-01-03,buy,AAPL,10,100.25,,1.5,,USD,,,"says ""hi"", twice"',
      'Broker,2024-01-03,buy,AAPL,10,100.25,,1.5,,USD,,,',
      'Broker,2024-02-01,split,AAPL,,,,,,USD,,4:1,',
      'Broker,2024-03-01,sell,AAPL,0.12345678,30,,0,,USD,,,',
      'Broker,2024-03-15,dividend,AAPL,,,12.5,,1.875,USD,,,',
      '"Euro, ""main""",2024-04-01,buy,MSFT,3,400,,2,,USD,0.92,,',
      '"Euro, ""main""",2024-04-02,interest,,,,0.01,,,EUR,,,',
    ].join('\n');
    const first = (await preview(client, file, { accountId: broker })).json();
    expect(first.errors).toEqual([]);
    await client.request('POST', `/api/v1/imports/${first.previewId}/commit`);
    const original = await ledgerOf(userId);
    expect(original).toHaveLength(8);

    for (const format of ['csv', 'json'] as const) {
      const exported = await client.request('GET', `/api/v1/exports?format=${format}`);
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="transactions-\\d{4}-\\d{2}-\\d{2}\\.${format}"$`),
      );
      const fresh = await signedIn();
      const freshBroker = await openAccount(fresh.userId, 'Broker', 'USD');
      await openAccount(fresh.userId, 'Euro, "main"', 'EUR');
      const imported = (await preview(fresh.client, exported.body, { accountId: freshBroker })).json();
      expect(imported.errors).toEqual([]);
      const commit = await fresh.client.request('POST', `/api/v1/imports/${imported.previewId}/commit`);
      expect(commit.json()).toEqual({ imported: 8, skippedDuplicates: 0 });
      expect(await ledgerOf(fresh.userId)).toEqual(original);
      const twice = (await preview(fresh.client, exported.body, { accountId: freshBroker })).json();
      expect(twice.duplicates).toBe(8);
      const none = await fresh.client.request('POST', `/api/v1/imports/${twice.previewId}/commit`);
      expect(none.json()).toEqual({ imported: 0, skippedDuplicates: 8 });
    }
    const csv = await client.request('GET', '/api/v1/exports');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe(
      'account,date,type,symbol,quantity,price,amount,fee,tax,currency,fxRate,ratio,note',
    );
    expect(csv.body.split('\r\n')[2]).toBe(
      'Broker,2024-01-03,buy,AAPL,10,100.25,,1.5,,USD,,,"says ""hi"", twice"',
    );
  });

  it('does not commit an expired preview, and the sweep deletes it', async () => {
    const { client, userId } = await signedIn();
    const accountId = await openAccount(userId);
    const { previewId } = (await preview(client, TRADES, { accountId })).json();
    await t.database.db.execute(
      sql`update import_previews set expires_at = now() - interval '1 second' where id = ${previewId}::uuid`,
    );
    const expired = await client.request('POST', `/api/v1/imports/${previewId}/commit`);
    expect(expired.statusCode).toBe(404);
    expect(await count('transactions', userId)).toBe(0);
    expect(await count('import_previews', userId)).toBe(1);
    expect(await deleteExpiredPreviews(t.database.db, new Date())).toBeGreaterThanOrEqual(1);
    expect(await count('import_previews', userId)).toBe(0);
  });
});
