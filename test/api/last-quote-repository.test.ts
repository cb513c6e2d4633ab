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

  it('keeps where each quote came from and its delay, and nothing for quotes stored without', async () => {
    const base = {
      price: 72.48,
      change: 0.52,
      changePercent: 0.722624,
      open: 71.96,
      high: 72.9,
      low: 71.8,
      previousClose: 71.96,
      volume: 1_250_000,
      time: Date.parse('2026-11-24T10:00:00Z'),
    };
    const yahoo = { ...base, symbol: 'VOD.L', source: 'yahoo' as const, delayMinutes: 15 };
    // A delay of 0 (real time) is a value, not a missing one.
    const binance = { ...base, symbol: 'BINANCE:ETHUSDT', source: 'binance' as const, delayMinutes: 0 };
    const unlabelled = { ...base, symbol: 'AAPL' };
    await saveLastQuotes(database.db, [yahoo, binance, unlabelled], new Date());
    const stored = async () =>
      new Map(
        (await loadLastQuotes(database.db, ['VOD.L', 'BINANCE:ETHUSDT', 'AAPL'])).map(({ quote }) => [
          quote.symbol,
          { source: quote.source, delayMinutes: quote.delayMinutes },
        ]),
      );
    expect(await stored()).toEqual(
      new Map([
        ['VOD.L', { source: 'yahoo', delayMinutes: 15 }],
        ['BINANCE:ETHUSDT', { source: 'binance', delayMinutes: 0 }],
        ['AAPL', { source: undefined, delayMinutes: undefined }],
      ]),
    );

    // The next quote's source replaces the last one's; a quote without one leaves none behind.
    await saveLastQuotes(
      database.db,
      [
        { ...yahoo, source: 'finnhub', delayMinutes: 0 },
        { ...unlabelled, symbol: 'BINANCE:ETHUSDT' },
      ],
      new Date(),
    );
    expect(await stored()).toEqual(
      new Map([
        ['VOD.L', { source: 'finnhub', delayMinutes: 0 }],
        ['BINANCE:ETHUSDT', { source: undefined, delayMinutes: undefined }],
        ['AAPL', { source: undefined, delayMinutes: undefined }],
      ]),
    );
  });
});
