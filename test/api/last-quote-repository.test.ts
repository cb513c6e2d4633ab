import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { loadLastQuotes, saveLastQuotes } from '../../src/prices/last-quote.repository.js';
import { openTestDatabase, testDatabaseKinds } from '../support/database.js';

describe.each(testDatabaseKinds())('last quotes table on %s', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores every field at full precision and updates in place', async () => {
    const quote = {
      symbol: 'BINANCE:SHIBUSDT',
      price: 0.00001742,
      change: -0.00000031,
      changePercent: -1.749012,
      open: 0.00001773,
      high: 0.00001801,
      low: 0.00001738,
      previousClose: 0.00001773,
      volume: 123456789012.5,
      time: Date.parse('2026-11-24T10:00:00.123Z'),
    };
    await saveLastQuotes(database.db, [quote], new Date());
    await saveLastQuotes(database.db, [{ ...quote, price: 0.00001743, volume: null }], new Date());
    const [stored] = await loadLastQuotes(database.db, ['BINANCE:SHIBUSDT']);
    expect(stored?.quote).toEqual({ ...quote, price: 0.00001743, volume: null });
    await saveLastQuotes(database.db, [quote], new Date());
    expect((await loadLastQuotes(database.db, ['BINANCE:SHIBUSDT']))[0]?.quote).toEqual(quote);
  });
});
