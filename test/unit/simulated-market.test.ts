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
  const DAY = 86_400_000;
  const instrument = (symbol: string) => SIMULATED_UNIVERSE.find((i) => i.symbol === symbol);

  it.each(['AAPL', 'BRK.A', 'VOD.L', '7203.T', 'SIRI'])(
    '%s: the 52-week range is that of the generated year and today, the cap a fixed share count at the live price',
    async (symbol) => {
      const clock = new ManualClock(Date.parse('2026-01-07T15:00:30Z'));
      const market = new SimulatedMarket(42, clock);
      const reference = instrument(symbol);
      if (!reference?.marketCap) throw new Error(`${symbol} has no market cap in the universe`);
      const sharesAtReference = reference.marketCap / reference.basePrice;
      const sharesSeen = new Set<number>();
      for (let tick = 0; tick < 5; tick++) {
        clock.advance(45_000);
        const [quote] = market.step([symbol]);
        const { daily } = await market.history({ symbol });
        const metrics = await market.keyMetrics({ symbol });
        if (!quote || quote.high === null || quote.low === null || !metrics?.marketCap)
          throw new Error('incomplete figures');
        const year = daily.filter((bar) => bar.time >= clock.now() - 365 * DAY);
        expect(year.length).toBeGreaterThanOrEqual(364);
        expect(metrics.week52High).toBe(Math.max(quote.high, ...year.map((bar) => bar.high)));
        expect(metrics.week52Low).toBe(Math.min(quote.low, ...year.map((bar) => bar.low)));
        expect(metrics.week52High).toBeGreaterThanOrEqual(quote.price);
        expect(metrics.week52Low).toBeLessThanOrEqual(quote.price);
        const shares = metrics.marketCap / quote.price;
        expect(Math.abs(shares - sharesAtReference)).toBeLessThanOrEqual(0.5);
        sharesSeen.add(Math.round(shares));
      }
      expect(sharesSeen.size).toBe(1);
    },
  );

  it('agrees with the daily bars it serves as a source, and keeps a day walked live in range after midnight', async () => {
    const clock = new ManualClock(Date.parse('2026-01-07T23:58:00Z'));
    const market = new SimulatedMarket(5, clock);
    const prices: number[] = [];
    for (let tick = 0; tick < 8; tick++) {
      clock.advance(30_000);
      prices.push(...market.step(['NVDA']).map((q) => q.price));
    }
    // Three ticks before midnight (23:58:30 to 23:59:30), five after.
    const lastOfDay = prices[2];
    const quote = await market.getQuote({ symbol: 'NVDA' });
    // Today opened at yesterday's last price.
    expect(quote?.previousClose).toBe(lastOfDay);
    const bars = (await market.dailyHistory({ symbol: 'NVDA', from: clock.now() - 365 * DAY })) ?? [];
    const yesterday = bars.find((bar) => bar.time === Date.parse('2026-01-07T00:00:00Z'));
    expect(yesterday?.close).toBe(lastOfDay);
    expect(yesterday?.high).toBeGreaterThanOrEqual(Math.max(...prices.slice(0, 3)));
    expect(quote?.open).toBe(lastOfDay);
    expect(bars.at(-1)?.time).toBe(Date.parse('2026-01-08T00:00:00Z'));
    const metrics = await market.keyMetrics({ symbol: 'NVDA' });
    expect(metrics?.week52High).toBe(Math.max(...bars.map((bar) => bar.high)));
    expect(metrics?.week52Low).toBe(Math.min(...bars.map((bar) => bar.low)));
  });

  it('gives no market cap to funds, coins and currency pairs', async () => {
    const market = new SimulatedMarket(42, new ManualClock());
    for (const symbol of ['SPY', 'BINANCE:BTCUSDT', 'OANDA:EUR_USD']) {
      expect(await market.keyMetrics({ symbol })).toMatchObject({ marketCap: null });
    }
    expect(await market.keyMetrics({ symbol: 'NOPE' })).toBeNull();
  });
});

describe('the simulated market as a source', () => {
  it('serves what it knows in real time, and says its quotes are its own', async () => {
    const market = new SimulatedMarket(1, new ManualClock());
    expect(market.id).toBe('simulated');
    expect(market.serves('quotes', 'VOD.L')).toBe(true);
    expect(market.serves('daily_history', 'BINANCE:BTCUSDT')).toBe(true);
    expect(market.serves('profile', 'BINANCE:BTCUSDT')).toBe(false);
    expect(market.serves('quotes', 'NOPE')).toBe(false);
    expect(market.delay()).toBe(0);
    expect(await market.getQuote({ symbol: 'VOD.L' })).toMatchObject({
      source: 'simulated',
      delayMinutes: 0,
    });
    expect(market.step(['AAPL'])[0]).toMatchObject({ source: 'simulated', delayMinutes: 0 });
    expect(await market.describe({ symbol: 'NOPE' })).toBeNull();
    expect(await market.dailyHistory({ symbol: 'NOPE', from: 0 })).toBeNull();
    expect((await market.intradayHistory({ symbol: 'AAPL' }))?.length).toBeGreaterThan(4 * 1440);
  });
});
