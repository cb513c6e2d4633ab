import { describe, expect, it } from 'vitest';
import { MarketDemand } from '../../src/prices/market-demand.js';

describe('market demand', () => {
  it('ranks symbols by their most pressing reason, longest wanted first within a priority', () => {
    const demand = new MarketDemand();
    demand.add('W1', 'watchlist');
    demand.add('W2', 'watchlist', 3);
    demand.add('H1', 'holding');
    demand.add('A1', 'alert');
    demand.add('S1', 'screen');
    expect([...demand.symbols()]).toEqual(['S1', 'A1', 'H1', 'W1', 'W2']);
    // W2 was wanted before S1: among screens it comes first.
    demand.add('W2', 'screen');
    expect([...demand.symbols()]).toEqual(['W2', 'S1', 'A1', 'H1', 'W1']);
  });

  it('keeps a symbol while any holder of any reason remains, and tells only when the order changes', () => {
    const demand = new MarketDemand();
    const heard: string[][] = [];
    demand.onChange((ranked) => heard.push([...ranked]));
    demand.add('AAPL', 'watchlist', 2);
    demand.add('AAPL', 'screen');
    demand.add('AAPL', 'screen');
    demand.remove('AAPL', 'screen');
    demand.remove('AAPL', 'watchlist');
    expect(demand.holders('AAPL', 'screen')).toBe(1);
    expect(heard).toEqual([['AAPL']]);
    demand.remove('AAPL', 'screen');
    demand.remove('AAPL', 'watchlist');
    expect([...demand.symbols()]).toEqual([]);
    expect(heard.at(-1)).toEqual([]);
    demand.remove('AAPL', 'watchlist');
    expect(demand.holders('AAPL', 'watchlist')).toBe(0);
  });
});
