import { describe, expect, it } from 'vitest';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { SymbolSearch } from '../../src/prices/symbol-search.js';
import { ManualClock } from '../support/test-app.js';

describe('symbol search cache', () => {
  const counted = (clock: ManualClock) => {
    const market = new SimulatedMarket(1, clock);
    const queries: string[] = [];
    const search = market.search.bind(market);
    market.search = async (params) => {
      queries.push(params.query);
      return search(params);
    };
    return { market, queries };
  };

  it('answers repeated and concurrent searches (any case, any spacing) from one provider call until it expires', async () => {
    const clock = new ManualClock();
    const { market, queries } = counted(clock);
    const cache = new SymbolSearch(market, clock, 60_000);
    const [first] = await Promise.all([cache.search('apple'), cache.search(' APPLE ')]);
    expect(first?.[0]?.symbol).toBe('AAPL');
    await cache.search('Apple');
    expect(queries).toEqual(['APPLE']);
    clock.advance(60_001);
    await cache.search('apple');
    expect(queries).toEqual(['APPLE', 'APPLE']);
  });

  it('does not cache a failed search', async () => {
    const clock = new ManualClock();
    const { market, queries } = counted(clock);
    const search = market.search;
    market.search = async () => {
      throw new Error('down');
    };
    const cache = new SymbolSearch(market, clock);
    await expect(cache.search('tesla')).rejects.toThrow('down');
    market.search = search;
    expect((await cache.search('tesla'))[0]?.symbol).toBe('TSLA');
    expect(queries).toEqual(['TESLA']);
  });
});
