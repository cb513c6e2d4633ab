import { describe, expect, it } from 'vitest';
import type { Holding, HoldingsView } from '../../web/src/api.js';
import { livePortfolio } from '../../web/src/portfolio/live-holdings.js';

function holding(fields: Partial<Holding> & Pick<Holding, 'symbol' | 'quantity' | 'currency'>): Holding {
  return {
    name: null,
    price: null,
    value: null,
    cost: '0',
    averageCost: '0',
    unrealized: null,
    unrealizedPercent: null,
    realized: '0',
    dividends: '0',
    dayGain: null,
    weight: null,
    base: { value: null, cost: '0', unrealized: null, currencyEffect: null, fxRate: null },
    ...fields,
  };
}

// 15 AAPL costing 1,576.50 at 120 (1,800; day gain 15 × (120 − 118) = 30), and 10 SAP in EUR costing
// 900 at 100 (1,000 EUR = 1,100 USD at 1.1), plus 500 USD cash: 3,400 USD, the weights without cash.
const view: HoldingsView = {
  baseCurrency: 'USD',
  costBasis: 'average',
  totals: {
    value: '3400',
    cost: '2566.5',
    cash: '500',
    unrealized: '333.5',
    unrealizedPercent: '12.99',
    realized: '73.5',
    dividends: '10',
    dayGain: '52',
  },
  holdings: [
    holding({
      symbol: 'AAPL',
      quantity: '15',
      currency: 'USD',
      price: '120',
      value: '1800',
      cost: '1576.5',
      averageCost: '105.1',
      unrealized: '223.5',
      dayGain: '30',
      weight: '62.07',
      base: { value: '1800', cost: '1576.5', unrealized: '223.5', currencyEffect: '0', fxRate: null },
    }),
    holding({
      symbol: 'SAP',
      quantity: '10',
      currency: 'EUR',
      price: '100',
      value: '1000',
      cost: '900',
      unrealized: '100',
      dayGain: '20',
      weight: '37.93',
      base: { value: '1100', cost: '990', unrealized: '110', currencyEffect: '0', fxRate: '1.1' },
    }),
  ],
};

describe('livePortfolio (display-only arithmetic between two answers of the server)', () => {
  it('keeps the server figures when no live price differs', () => {
    const live = livePortfolio(view, new Map([['AAPL', 120]]));
    expect(live.totals.value).toBe(3400);
    expect(live.totals.totalReturn).toBeCloseTo(333.5 + 73.5 + 10, 9);
    expect(live.holdings[0]?.value).toBe(1800);
  });

  it('moves value, P/L and day gain by quantity × the price move, converted for the totals', () => {
    // AAPL 120 -> 122: +30 USD. SAP 100 -> 99: −10 EUR = −11 USD. Totals +19.
    const live = livePortfolio(
      view,
      new Map([
        ['AAPL', 122],
        ['SAP', 99],
      ]),
    );
    const [aapl, sap] = live.holdings;
    expect(aapl?.value).toBe(1830);
    expect(aapl?.unrealized).toBeCloseTo(253.5, 9);
    expect(aapl?.unrealizedPercent).toBeCloseTo((253.5 / 1576.5) * 100, 9);
    expect(aapl?.dayGain).toBe(60);
    expect(sap?.value).toBe(990);
    expect(sap?.baseValue).toBeCloseTo(1089, 9);
    expect(live.totals.value).toBeCloseTo(3419, 9);
    expect(live.totals.unrealized).toBeCloseTo(352.5, 9);
    expect(live.totals.dayGain).toBeCloseTo(71, 9);
    // The weights' denominator is the holdings' 2,900 (the server's, without cash), now 2,919.
    expect(aapl?.weight).toBeCloseTo((1830 / 2919) * 100, 1);
    expect(sap?.weight).toBeCloseTo((1089 / 2919) * 100, 1);
  });

  it('values a holding the server had no price for from the live price alone', () => {
    const unpriced: HoldingsView = {
      ...view,
      holdings: [holding({ symbol: 'MSFT', quantity: '2', currency: 'USD', cost: '600' })],
      totals: { ...view.totals, value: '500', cost: '600', unrealized: '0', dayGain: '0' },
    };
    const live = livePortfolio(unpriced, new Map([['MSFT', 310]]));
    expect(live.holdings[0]?.value).toBe(620);
    expect(live.holdings[0]?.unrealized).toBe(20);
    expect(live.holdings[0]?.dayGain).toBeNull();
    expect(live.totals.value).toBe(1120);
    expect(live.totals.dayGain).toBe(0);
  });
});
