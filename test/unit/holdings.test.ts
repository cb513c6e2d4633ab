import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/portfolio/decimal.js';
import { FxTable } from '../../src/portfolio/fx.js';
import {
  continueReplay,
  holdingsView,
  type LivePrice,
  type Rates,
  replayLedger,
  valueHoldings,
} from '../../src/portfolio/holdings.js';
import { inLedgerOrder, type LedgerTransaction } from '../../src/portfolio/ledger.js';
import type { CostBasisMethod } from '../../src/portfolio/portfolio.schemas.js';

/** The fixed clock of every scenario: today is 2026-03-10. */
const TODAY = '2026-03-10';
const USD_ACCOUNT = 'acct-usd';
const EUR_ACCOUNT = 'acct-eur';
const ACCOUNTS = new Map([
  [USD_ACCOUNT, 'USD'],
  [EUR_ACCOUNT, 'EUR'],
]);

/** Rates from daily EUR/USD closes and a live EUR/USD price, as the service builds them. */
function ratesFrom(closes: Array<[string, string]>, liveEurUsd: string): Rates {
  const table = new FxTable(
    new Map([['OANDA:EUR_USD', closes.map(([date, close]) => ({ date, close: new Decimal(close) }))]]),
  );
  const live = new FxTable(new Map([['OANDA:EUR_USD', [{ date: TODAY, close: new Decimal(liveEurUsd) }]]]));
  return {
    at: (from, to, date) => {
      const rate = table.rate(from, to, date);
      if (!rate) throw new Error(`no rate ${from}->${to} on ${date}`);
      return rate;
    },
    now: (from, to) => live.rate(from, to, TODAY) as Decimal,
  };
}
const SAME_CURRENCY = ratesFrom([['2026-01-01', '1.25']], '1.25');

let entry = 0;
function tx(
  fields: Partial<Omit<LedgerTransaction, 'quantity' | 'price' | 'amount' | 'fee' | 'tax' | 'fxRate'>> & {
    quantity?: string;
    price?: string;
    amount?: string;
    fee?: string;
    tax?: string;
    fxRate?: string;
    ratio?: [string, string];
  },
): LedgerTransaction {
  entry++;
  const decimal = (value: string | undefined) => (value === undefined ? null : new Decimal(value));
  return {
    id: `tx-${entry}`,
    entry,
    accountId: fields.accountId ?? USD_ACCOUNT,
    type: fields.type ?? 'buy',
    symbol: fields.symbol === undefined ? 'AAPL' : fields.symbol,
    quantity: decimal(fields.quantity),
    price: decimal(fields.price),
    amount: decimal(fields.amount),
    fee: new Decimal(fields.fee ?? '0'),
    tax: decimal(fields.tax),
    currency: fields.currency ?? 'USD',
    date: fields.date ?? '2026-01-05',
    fxRate: decimal(fields.fxRate),
    split: fields.ratio ? { to: new Decimal(fields.ratio[0]), from: new Decimal(fields.ratio[1]) } : null,
    note: null,
  };
}

function holdings(
  transactions: LedgerTransaction[],
  method: CostBasisMethod,
  options: { prices?: Record<string, LivePrice>; rates?: Rates; baseCurrency?: string } = {},
) {
  const rates = options.rates ?? SAME_CURRENCY;
  const baseCurrency = options.baseCurrency ?? 'USD';
  const replay = replayLedger({
    transactions: [...transactions].sort(inLedgerOrder),
    accountCurrencies: ACCOUNTS,
    method,
    baseCurrency,
    rates,
    today: TODAY,
  });
  const figures = valueHoldings(replay, {
    prices: new Map(Object.entries(options.prices ?? {})),
    rates,
    baseCurrency,
    accountCurrencies: ACCOUNTS,
  });
  return holdingsView(figures, { baseCurrency, costBasis: method, names: new Map() });
}

const price = (value: string, previousClose: string | null = null): LivePrice => ({
  price: new Decimal(value),
  previousClose: previousClose === null ? null : new Decimal(previousClose),
  time: Date.parse(`${TODAY}T15:00:00Z`),
});

describe('holdings figures', () => {
  const issueExample = () => [
    tx({ type: 'buy', quantity: '10', price: '100', fee: '1', date: '2026-01-05' }),
    tx({ type: 'buy', quantity: '10', price: '110', fee: '1', date: '2026-01-06' }),
    tx({ type: 'sell', quantity: '5', price: '120', fee: '1', date: '2026-01-07' }),
  ];

  it("gives the issue's example under average cost: 15 left costing 1576.5, realized 73.5", () => {
    // Cost 1000 + 1 + 1100 + 1 = 2102 for 20, 105.1 each; 5 sold cost 525.5; proceeds 600 - 1 = 599.
    const view = holdings(issueExample(), 'average', { prices: { AAPL: price('120') } });
    expect(view.holdings[0]).toMatchObject({
      quantity: '15',
      cost: '1576.5',
      averageCost: '105.1',
      realized: '73.5',
      value: '1800',
      unrealized: '223.5',
      // 223.5 / 1576.5 = 14.1770 %
      unrealizedPercent: '14.18',
    });
  });

  it("gives the issue's example under FIFO: 15 left costing 1601.5, realized 98.5", () => {
    // The first lot (10 for 1001) gives 5 units costing 500.5; left: 500.5 + 1101.
    const view = holdings(issueExample(), 'fifo', { prices: { AAPL: price('120') } });
    expect(view.holdings[0]).toMatchObject({ quantity: '15', cost: '1601.5', realized: '98.5' });
  });

  it('sells across FIFO lots, the partly sold lot keeping its share of its fee', () => {
    const ledger = [
      tx({ type: 'buy', quantity: '10', price: '100', fee: '1', date: '2026-01-05' }),
      tx({ type: 'buy', quantity: '10', price: '110', fee: '1', date: '2026-01-06' }),
      tx({ type: 'sell', quantity: '15', price: '120', fee: '3', date: '2026-01-07' }),
    ];
    // FIFO: lot one whole (1001) and half of lot two (550.5) = 1551.5; proceeds 1800 - 3 = 1797.
    expect(holdings(ledger, 'fifo').holdings[0]).toMatchObject({
      quantity: '5',
      cost: '550.5',
      realized: '245.5',
    });
    // Average: 15 x 105.1 = 1576.5 sold; 1797 - 1576.5 = 220.5; 5 x 105.1 = 525.5 left.
    expect(holdings(ledger, 'average').holdings[0]).toMatchObject({
      quantity: '5',
      cost: '525.5',
      realized: '220.5',
    });
  });

  it('keeps selling at several prices, and drops a holding sold out (its realized P/L stays in the totals)', () => {
    const ledger = [
      tx({ type: 'buy', quantity: '4', price: '50', date: '2026-01-05' }),
      tx({ type: 'sell', quantity: '1', price: '60', date: '2026-01-06' }),
      tx({ type: 'sell', quantity: '3', price: '40', date: '2026-01-07' }),
      tx({ type: 'buy', symbol: 'MSFT', quantity: '2', price: '300', date: '2026-01-08' }),
    ];
    // Realized: (60 - 50) + 3 x (40 - 50) = -20.
    const view = holdings(ledger, 'average', { prices: { MSFT: price('310') } });
    expect(view.holdings.map((h) => h.symbol)).toEqual(['MSFT']);
    expect(view.totals).toMatchObject({ realized: '-20', cost: '600', unrealized: '20' });
  });

  it('adjusts for a 4:1 split before and after sells: quantities times 4, cost unchanged', () => {
    const before = [
      tx({ type: 'buy', quantity: '10', price: '100', date: '2026-01-05' }),
      tx({ type: 'split', ratio: ['4', '1'], date: '2026-01-06' }),
      tx({ type: 'sell', quantity: '20', price: '30', date: '2026-01-07' }),
    ];
    // 40 units costing 1000 (25 each); 20 sold at 30: realized 600 - 500 = 100.
    for (const method of ['average', 'fifo'] as const) {
      expect(holdings(before, method).holdings[0]).toMatchObject({
        quantity: '20',
        cost: '500',
        averageCost: '25',
        realized: '100',
      });
    }
    const after = [
      tx({ type: 'buy', quantity: '10', price: '100', date: '2026-01-05' }),
      tx({ type: 'sell', quantity: '5', price: '120', date: '2026-01-06' }),
      tx({ type: 'split', ratio: ['4', '1'], date: '2026-01-07' }),
    ];
    // 5 left costing 500, then 20 costing 500 (25 each); realized 600 - 500 = 100 before the split.
    for (const method of ['average', 'fifo'] as const) {
      expect(holdings(after, method).holdings[0]).toMatchObject({
        quantity: '20',
        cost: '500',
        averageCost: '25',
        realized: '100',
      });
    }
  });

  it('counts dividends less withholding tax, and fees, interest, deposits and withdrawals in cash', () => {
    const ledger = [
      tx({ type: 'deposit', symbol: null, amount: '2000', date: '2026-01-02' }),
      tx({ type: 'buy', quantity: '10', price: '100', fee: '1', date: '2026-01-05' }),
      tx({ type: 'dividend', amount: '10', tax: '1.5', date: '2026-02-01' }),
      tx({ type: 'fee', symbol: null, amount: '5', date: '2026-02-02' }),
      tx({ type: 'interest', symbol: null, amount: '2.25', date: '2026-02-03' }),
      tx({ type: 'withdrawal', symbol: null, amount: '100', date: '2026-02-04' }),
    ];
    // Cash: 2000 - 1001 + 8.5 - 5 + 2.25 - 100 = 904.75; value 10 x 100 + 904.75.
    const view = holdings(ledger, 'average', { prices: { AAPL: price('100') } });
    expect(view.holdings[0]).toMatchObject({ dividends: '8.5', cost: '1001', unrealized: '-1' });
    expect(view.totals).toMatchObject({ cash: '904.75', value: '1904.75', dividends: '8.5' });
    // Weight: 1000 of 1904.75 = 52.50 %.
    expect(view.holdings[0]?.weight).toBe('52.50');
  });

  it('separates the currency effect: a USD holding in EUR while the dollar fell', () => {
    // EUR/USD 1.25 on the buy (1000 USD = 800 EUR), 1.10 now.
    const rates = ratesFrom([['2026-01-02', '1.25']], '1.10');
    const ledger = [tx({ type: 'buy', quantity: '10', price: '100', date: '2026-01-05' })];
    const view = holdings(ledger, 'average', { prices: { AAPL: price('110') }, rates, baseCurrency: 'EUR' });
    // Value 1100 USD = 1000 EUR; cost 800 EUR; P/L 200 EUR, of which 100 USD / 1.10 = 90.909... from the
    // price and 1000 / 1.10 - 800 = 109.0909... from the exchange rate.
    expect(view.holdings[0]?.base).toMatchObject({
      value: '1000',
      cost: '800',
      unrealized: '200',
      currencyEffect: '109.09090909',
    });
    expect(view.holdings[0]).toMatchObject({ currency: 'USD', unrealized: '100', value: '1100' });
    // No deposit: the buy left the account 1000 USD short (-909.09... EUR now), which the value counts.
    expect(view.totals).toMatchObject({
      cash: '-909.09090909',
      value: '90.90909091',
      cost: '800',
      unrealized: '200',
      unrealizedPercent: '25.00',
    });
  });

  it("converts a trade in another currency with its own fxRate into the account's cash", () => {
    const rates = ratesFrom([['2026-01-02', '1.25']], '1.20');
    // A EUR account buys 10 USD shares at 100 with 0.8 EUR per USD: cash -800 EUR, base (EUR) cost 800.
    const ledger = [
      tx({ accountId: EUR_ACCOUNT, type: 'deposit', symbol: null, amount: '1000', currency: 'EUR' }),
      tx({ accountId: EUR_ACCOUNT, type: 'buy', quantity: '10', price: '100', fxRate: '0.8' }),
    ];
    const view = holdings(ledger, 'fifo', { prices: { AAPL: price('120') }, rates, baseCurrency: 'EUR' });
    expect(view.totals.cash).toBe('200');
    // 1200 USD / 1.20 = 1000 EUR; + 200 cash.
    expect(view.totals.value).toBe('1200');
    expect(view.holdings[0]?.base).toMatchObject({
      cost: '800',
      value: '1000',
      currencyEffect: '33.33333333',
    });
  });

  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    const ledger = [
      tx({ type: 'deposit', symbol: null, amount: '0.1' }),
      tx({ type: 'deposit', symbol: null, amount: '0.2' }),
    ];
    expect(holdings(ledger, 'average').totals).toMatchObject({ cash: '0.3', value: '0.3' });
  });

  it('gains over the day from the previous close, and from the price of what was bought today', () => {
    const ledger = [
      tx({ type: 'buy', quantity: '10', price: '100', date: '2026-01-05' }),
      tx({ type: 'buy', quantity: '5', price: '108', date: TODAY }),
    ];
    // 10 x (110 - 105) + 5 x (110 - 108) = 60.
    const view = holdings(ledger, 'average', { prices: { AAPL: price('110', '105') } });
    expect(view.holdings[0]?.dayGain).toBe('60');
    expect(view.totals.dayGain).toBe('60');
  });

  it('rounds percentages half to even', () => {
    // Cost 800, value 800.5 (0.0625 %) -> "0.06"; cost 800, value 801 (0.125 %) -> "0.12".
    const ledger = [tx({ type: 'buy', quantity: '8', price: '100' })];
    expect(
      holdings(ledger, 'average', { prices: { AAPL: price('100.0625') } }).holdings[0]?.unrealizedPercent,
    ).toBe('0.06');
    expect(
      holdings(ledger, 'average', { prices: { AAPL: price('100.125') } }).holdings[0]?.unrealizedPercent,
    ).toBe('0.12');
  });

  it('agrees between FIFO and average cost on quantity, and on total P/L once everything is sold; cost never negative', () => {
    const trade = fc.record({
      buy: fc.integer({ min: 1, max: 1000 }),
      price: fc.integer({ min: 1, max: 100_000 }),
      fee: fc.integer({ min: 0, max: 500 }),
      sellShare: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(trade, { minLength: 1, maxLength: 12 }), (trades) => {
        const ledger: LedgerTransaction[] = [];
        let held = new Decimal(0);
        let day = 1;
        const date = () =>
          `2025-${String(Math.ceil(day / 28)).padStart(2, '0')}-${String(((day++ - 1) % 28) + 1).padStart(2, '0')}`;
        for (const t of trades) {
          const quantity = new Decimal(t.buy).dividedBy(100);
          ledger.push(
            tx({
              type: 'buy',
              quantity: quantity.toString(),
              price: String(t.price / 100),
              fee: String(t.fee / 100),
              date: date(),
            }),
          );
          held = held.plus(quantity);
          const sold = held.times(t.sellShare).dividedBy(100).toDecimalPlaces(2, Decimal.ROUND_DOWN);
          if (sold.greaterThan(0)) {
            ledger.push(
              tx({
                type: 'sell',
                quantity: sold.toString(),
                price: String(t.price / 90),
                fee: '0.5',
                date: date(),
              }),
            );
            held = held.minus(sold);
          }
        }
        const open = { fifo: holdings(ledger, 'fifo'), average: holdings(ledger, 'average') };
        expect(open.fifo.holdings[0]?.quantity ?? '0').toBe(open.average.holdings[0]?.quantity ?? '0');
        for (const view of Object.values(open))
          expect(new Decimal(view.totals.cost).isNegative()).toBe(false);
        if (held.greaterThan(0))
          ledger.push(tx({ type: 'sell', quantity: held.toString(), price: '7', fee: '1', date: date() }));
        const fifo = holdings(ledger, 'fifo');
        const average = holdings(ledger, 'average');
        expect(fifo.holdings).toEqual([]);
        expect(average.holdings).toEqual([]);
        expect(fifo.totals.realized).toBe(average.totals.realized);
      }),
      { numRuns: 200 },
    );
  });

  it('continues a kept replay with the transactions added after it exactly as a replay of the whole ledger', () => {
    const symbols = ['AAPL', 'MSFT'];
    const entry = fc.record({
      kind: fc.constantFrom('buy', 'sell', 'dividend', 'deposit', 'fee', 'split'),
      symbol: fc.constantFrom(...symbols),
      account: fc.constantFrom(USD_ACCOUNT, EUR_ACCOUNT),
      units: fc.integer({ min: 1, max: 500 }),
      cents: fc.integer({ min: 1, max: 50_000 }),
      day: fc.integer({ min: 0, max: 3 }),
    });
    const rates = ratesFrom(
      [
        ['2025-12-01', '1.1'],
        ['2026-03-01', '1.2'],
      ],
      '1.15',
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 30 }), fc.nat(), (entries, cut) => {
        const held = new Map<string, Decimal>();
        let day = 1;
        const ledger: LedgerTransaction[] = [];
        for (const e of entries) {
          day += e.day;
          const date = `2026-0${1 + Math.floor(day / 28)}-${String((day % 28) + 1).padStart(2, '0')}`;
          const key = `${e.account}|${e.symbol}`;
          const have = held.get(key) ?? new Decimal(0);
          const currency = e.account === EUR_ACCOUNT ? 'EUR' : 'USD';
          const quantity = new Decimal(e.units).dividedBy(8);
          const common = { accountId: e.account, symbol: e.symbol, currency, date };
          if (e.kind === 'buy' || (e.kind === 'sell' && have.isZero())) {
            ledger.push(
              tx({
                ...common,
                type: 'buy',
                quantity: quantity.toString(),
                price: String(e.cents / 100),
                fee: '1',
              }),
            );
            held.set(key, have.plus(quantity));
          } else if (e.kind === 'sell') {
            const sold = Decimal.min(have, quantity);
            ledger.push(
              tx({
                ...common,
                type: 'sell',
                quantity: sold.toString(),
                price: String(e.cents / 90),
                fee: '0.5',
              }),
            );
            held.set(key, have.minus(sold));
          } else if (e.kind === 'split') {
            ledger.push(tx({ ...common, type: 'split', ratio: ['3', '2'] }));
            held.set(key, have.times(3).dividedBy(2));
          } else if (e.kind === 'dividend') {
            ledger.push(tx({ ...common, type: 'dividend', amount: String(e.cents / 100), tax: '0.1' }));
          } else {
            ledger.push(tx({ ...common, symbol: null, type: e.kind, amount: String(e.cents / 100) }));
          }
        }
        const ordered = [...ledger].sort(inLedgerOrder);
        const at = cut % (ordered.length + 1);
        for (const method of ['average', 'fifo'] as const) {
          const options = { accountCurrencies: ACCOUNTS, method, baseCurrency: 'USD', rates, today: TODAY };
          const whole = replayLedger({ ...options, transactions: ordered });
          const kept = replayLedger({ ...options, transactions: ordered.slice(0, at) });
          const byKey = (replay: typeof whole) =>
            JSON.stringify({
              cash: [...replay.cash.entries()].sort(),
              positions: [...replay.positions].sort((a, b) =>
                `${a.accountId}${a.symbol}`.localeCompare(`${b.accountId}${b.symbol}`),
              ),
            });
          const keptBefore = byKey(kept);
          const continued = continueReplay(kept, { ...options, transactions: ordered.slice(at) });
          expect(byKey(continued)).toBe(byKey(whole));
          // The kept replay itself is left as it was: another request may still value it.
          expect(byKey(kept)).toBe(keptBefore);
        }
      }),
      { numRuns: 200 },
    );
  });
});
