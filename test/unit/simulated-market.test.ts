import { describe, expect, it } from 'vitest';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { SIMULATED_UNIVERSE } from '../../src/market/providers/simulated/universe.js';
import { ManualClock } from '../support/test-app.js';

describe('simulated market', () => {
  it('has at least 100 real instruments: US, international, crypto and FX, each with name and currency', () => {
    expect(SIMULATED_UNIVERSE.length).toBeGreaterThanOrEqual(100);
    const types = new Set(SIMULATED_UNIVERSE.map((i) => i.type));
    expect(types).toEqual(new Set(['Common Stock', 'Crypto', 'Forex']));
    expect(SIMULATED_UNIVERSE.some((i) => i.symbol.endsWith('.L'))).toBe(true);
    expect(SIMULATED_UNIVERSE.some((i) => i.symbol.endsWith('.T'))).toBe(true);
    expect(new Set(SIMULATED_UNIVERSE.map((i) => i.symbol)).size).toBe(SIMULATED_UNIVERSE.length);
    for (const i of SIMULATED_UNIVERSE) {
      expect(i.name.length, i.symbol).toBeGreaterThan(1);
      expect(i.currency, i.symbol).toMatch(/^[A-Z]{3,4}$/);
      expect(i.basePrice, i.symbol).toBeGreaterThan(0);
    }
  });

  it('is deterministic under a seed: same seed, same path; another seed, another path', async () => {
    const path = (seed: number) => {
      const market = new SimulatedMarket(seed, new ManualClock());
      return Array.from({ length: 20 }, () => market.step(['AAPL'])[0]?.price);
    };
    expect(path(1)).toEqual(path(1));
    expect(path(1)).not.toEqual(path(2));
  });

  it('gives each symbol its own path, whatever else is watched', () => {
    const alone = new SimulatedMarket(5, new ManualClock());
    const crowded = new SimulatedMarket(5, new ManualClock());
    const a = Array.from({ length: 10 }, () => alone.step(['MSFT'])[0]?.price);
    const b = Array.from(
      { length: 10 },
      () => crowded.step(['AAPL', 'MSFT', 'TSLA']).find((q) => q.symbol === 'MSFT')?.price,
    );
    expect(a).toEqual(b);
  });

  it('keeps quotes consistent: change against previous close, high and low bracket the price', () => {
    const market = new SimulatedMarket(3, new ManualClock());
    for (let i = 0; i < 200; i++) {
      const [q] = market.step(['BINANCE:BTCUSDT']);
      if (!q || q.previousClose === null || q.high === null || q.low === null || q.change === null)
        throw new Error('incomplete quote');
      expect(q.change).toBeCloseTo(q.price - q.previousClose, 2);
      expect(q.high).toBeGreaterThanOrEqual(q.price);
      expect(q.low).toBeLessThanOrEqual(q.price);
    }
  });

  it('moves a symbol nobody watches by the time elapsed, and knows nothing of unknown symbols', async () => {
    const clock = new ManualClock();
    const market = new SimulatedMarket(9, clock);
    const first = await market.getQuote({ symbol: 'OANDA:EUR_USD' });
    clock.advance(30_000);
    const later = await market.getQuote({ symbol: 'OANDA:EUR_USD' });
    expect(later?.price).not.toBe(first?.price);
    expect(later?.time).toBe(clock.now());
    expect(await market.getQuote({ symbol: 'NOPE' })).toBeNull();
  });

  it('searches by ticker, by the ticker part of a pair, and by name', async () => {
    const market = new SimulatedMarket(1, new ManualClock());
    expect((await market.search({ query: 'aapl' }))[0]?.symbol).toBe('AAPL');
    expect((await market.search({ query: 'BTC' })).map((r) => r.symbol)).toContain('BINANCE:BTCUSDT');
    expect((await market.search({ query: 'toyota' }))[0]?.symbol).toBe('7203.T');
    expect(await market.search({ query: 'zzzzzz' })).toEqual([]);
  });

  it('has a past that ends at its live price and agrees with its quote, the same for the same seed', async () => {
    const clock = new ManualClock(Date.parse('2026-01-07T15:00:30Z'));
    const market = new SimulatedMarket(8, clock);
    const quote = await market.getQuote({ symbol: 'NVDA' });
    const past = await market.history({ symbol: 'NVDA' });
    const today = Date.parse('2026-01-07T00:00:00Z');
    // Five days of minutes: the four before today and today up to the current minute.
    expect(past.minute[0]?.time).toBe(today - 4 * 86_400_000);
    expect(past.minute.at(-1)?.time).toBe(Date.parse('2026-01-07T14:59:00Z'));
    expect(past.minute).toHaveLength(4 * 1440 + 15 * 60);
    expect(past.minute.at(-1)?.close).toBe(quote?.price);
    const todays = past.minute.filter((bar) => bar.time >= today);
    expect(quote?.open).toBe(todays[0]?.open);
    expect(quote?.high).toBe(Math.max(...todays.map((bar) => bar.high)));
    expect(quote?.previousClose).toBe(past.minute.filter((bar) => bar.time < today).at(-1)?.close);
    // A year of completed days, oldest first, the last one yesterday.
    expect(past.daily.length).toBeGreaterThanOrEqual(364);
    expect(past.daily.at(-1)?.time).toBe(today - 86_400_000);
    expect(past.daily.at(-1)?.close).toBe(quote?.previousClose);
    for (const bar of [...past.daily, ...past.minute]) {
      expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
      expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
    }
    const again = new SimulatedMarket(8, new ManualClock(clock.now()));
    await again.getQuote({ symbol: 'NVDA' });
    expect(await again.history({ symbol: 'NVDA' })).toEqual(past);
    expect(await market.history({ symbol: 'NOPE' })).toEqual({ daily: [], minute: [] });
  });
});

describe('simulated key figures', () => {
  it.each(['2026-01-07T15:00:30Z', '2026-01-08T15:00:30Z'])(
    '52-week range and market cap agree with the generated year and the quote (%s)',
    async (now) => {
      const clock = new ManualClock(Date.parse(now));
      const market = new SimulatedMarket(42, clock);
      const quote = await market.getQuote({ symbol: 'AAPL' });
      const { daily } = await market.history({ symbol: 'AAPL' });
      const metrics = await market.keyMetrics({ symbol: 'AAPL' });
      const yearAgo = clock.now() - 365 * 86_400_000;
      const year = daily.filter((bar) => bar.time >= yearAgo);
      expect(metrics.week52High).toBe(Math.max(quote?.high ?? 0, ...year.map((bar) => bar.high)));
      expect(metrics.week52Low).toBe(Math.min(quote?.low ?? Infinity, ...year.map((bar) => bar.low)));
      // Market cap follows the price: a fixed number of shares times the current price.
      clock.advance(60_000);
      const later = await market.getQuote({ symbol: 'AAPL' });
      const laterMetrics = await market.keyMetrics({ symbol: 'AAPL' });
      const shares = (metrics.marketCap ?? 0) / (quote?.price ?? 1);
      expect(Number.isInteger(Math.round(shares))).toBe(true);
      expect(laterMetrics.marketCap).toBeCloseTo(shares * (later?.price ?? 0), -2);
      expect(await market.keyMetrics({ symbol: 'BINANCE:BTCUSDT' })).toMatchObject({ marketCap: null });
    },
  );
});
