import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, roundedString, ZERO } from '../../src/portfolio/decimal.js';
import { type DailyClose, FxTable } from '../../src/portfolio/fx.js';
import { type LedgerTransaction, replayQuantities } from '../../src/portfolio/ledger.js';
import {
  type PerformanceInputs,
  performanceReport,
} from '../../src/portfolio/performance/performance-report.js';
import { addDays, performanceWindow } from '../../src/portfolio/performance/performance-window.js';
import { moneyWeightedFlows, timeWeightedReturn, xirr } from '../../src/portfolio/performance/returns.js';
import { valueSeries } from '../../src/portfolio/performance/value-series.js';

const d = (value: string | number) => new Decimal(value);

let entry = 0;
type Fields = Partial<Omit<LedgerTransaction, 'quantity' | 'price' | 'amount' | 'fxRate'>> & {
  quantity?: string;
  price?: string;
  amount?: string;
  fxRate?: string;
};
function tx(type: LedgerTransaction['type'], date: string, fields: Fields = {}): LedgerTransaction {
  entry++;
  const { quantity, price, amount, fxRate, ...rest } = fields;
  return {
    id: `tx-${entry}`,
    entry,
    accountId: 'usd-account',
    type,
    symbol: null,
    quantity: quantity === undefined ? null : d(quantity),
    price: price === undefined ? null : d(price),
    amount: amount === undefined ? null : d(amount),
    fee: ZERO,
    tax: null,
    currency: 'USD',
    date,
    fxRate: fxRate === undefined ? null : d(fxRate),
    split: null,
    note: null,
    ...rest,
  };
}
const deposit = (date: string, amount: string, fields: Fields = {}) =>
  tx('deposit', date, { amount, ...fields });
const withdrawal = (date: string, amount: string, fields: Fields = {}) =>
  tx('withdrawal', date, { amount, ...fields });
const buy = (date: string, symbol: string, quantity: string, price: string, fields: Fields = {}) =>
  tx('buy', date, { symbol, quantity, price, ...fields });

function closes(entries: Record<string, string>): DailyClose[] {
  return Object.entries(entries).map(([date, close]) => ({ date, close: d(close) }));
}

function inputs(
  transactions: LedgerTransaction[],
  closesBySymbol: Record<string, DailyClose[]>,
  overrides: Partial<PerformanceInputs> = {},
): PerformanceInputs {
  const all = new Map(Object.entries(closesBySymbol));
  return {
    transactions,
    accountCurrencies: new Map([
      ['usd-account', 'USD'],
      ['eur-account', 'EUR'],
    ]),
    closes: all,
    fx: new FxTable(all),
    baseCurrency: 'USD',
    ...overrides,
  };
}

/** Two decimals as the API shows them. */
const percent = (fraction: Decimal | null) =>
  fraction === null ? null : roundedString(fraction.times(100), 2);
const close = (a: Decimal, b: Decimal | string, digits = 25) => a.minus(b).abs().lessThan(d(10).pow(-digits));

describe('deposits, a price rise, a second deposit and a withdrawal', () => {
  // One year apart each (2021, 2022 and 2023 have 365 days), so XIRR's exponents are whole years.
  const ledger = [
    deposit('2021-01-01', '1000'),
    buy('2021-01-01', 'XYZ', '10', '100'),
    deposit('2022-01-01', '1000'),
    withdrawal('2023-01-01', '500'),
  ];
  const xyz = closes({
    '2021-01-01': '100',
    '2022-01-01': '130',
    '2023-01-01': '120',
    '2024-01-01': '149.1',
  });
  const scenario = inputs(ledger, { XYZ: xyz });

  it('values every day and chains the daily returns, with flows at the end of their day', () => {
    const series = valueSeries({ ...scenario, from: '2021-01-01', to: '2024-01-01' });
    expect(series.start.isZero()).toBe(true);
    expect(series.points).toHaveLength(365 * 3 + 1);
    const on = (date: string) => series.points.find((point) => point.date === date);
    // 10 x 100; then 10 x 130 + the new 1000 in cash; 10 x 120 + 1000 - 500; 10 x 149.1 + 500.
    expect(on('2021-01-01')?.value.toString()).toBe('1000');
    expect(on('2021-06-30')?.value.toString()).toBe('1000');
    expect(on('2022-01-01')?.value.toString()).toBe('2300');
    expect(on('2022-01-01')?.netFlow.toString()).toBe('1000');
    expect(on('2023-01-01')?.value.toString()).toBe('1700');
    expect(on('2023-01-01')?.netFlow.toString()).toBe('-500');
    expect(on('2024-01-01')?.value.toString()).toBe('1991');
    // The first day has no return (nothing before it); then
    // (2300 - 1000) / 1000 = 1.3, (1700 + 500) / 2300, 1991 / 1700, and every other day 1.
    const twr = timeWeightedReturn(series) as Decimal;
    expect(close(twr, d(1.3).times(2200).dividedBy(2300).times(1991).dividedBy(1700).minus(1))).toBe(true);
    expect(percent(twr)).toBe('45.63');
  });

  it('weighs money by the time it was in: XIRR solves 1000 x 1.1^3 + 1000 x 1.1^2 = 500 x 1.1 + 1991', () => {
    const series = valueSeries({ ...scenario, from: '2021-01-01', to: '2024-01-01' });
    const flows = moneyWeightedFlows(series);
    expect(flows.map((flow) => [flow.date, flow.amount.toString()])).toEqual([
      ['2021-01-01', '-1000'],
      ['2022-01-01', '-1000'],
      ['2023-01-01', '500'],
      ['2024-01-01', '1991'],
    ]);
    const mwr = xirr(flows) as Decimal;
    expect(close(mwr, '0.1')).toBe(true);
    // The second 1000 came in before the fall: the investor did worse than the investments.
    const report = performanceReport(scenario, 'all', '2024-01-01');
    expect(report).toMatchObject({
      from: '2021-01-01',
      to: '2024-01-01',
      timeWeightedReturn: '45.63',
      moneyWeightedReturn: '10.00',
    });
  });

  it('measures a range from the close of the day before it: 1y from 1700 to 1991 with no flow between', () => {
    const report = performanceReport(scenario, '1y', '2024-01-01');
    expect(report.from).toBe('2023-01-02');
    expect(report.series).toHaveLength(365);
    expect(report.series[0]).toEqual({ date: '2023-01-02', value: '1700.00', netFlow: '0.00' });
    // 1991 / 1700 - 1 = 17.1176...%, over exactly 365 days: both returns agree.
    expect(report.timeWeightedReturn).toBe('17.12');
    expect(report.moneyWeightedReturn).toBe('17.12');
    const ytd = performanceReport(scenario, 'ytd', '2024-01-01');
    expect(ytd.from).toBe('2024-01-01');
    expect(ytd.timeWeightedReturn).toBe('17.12');
  });
});

describe('two currencies with moving rates', () => {
  // A euro account, totals in US dollars. EUR_USD: 1.10 on Friday, 1.20 on Monday.
  const fx = { 'OANDA:EUR_USD': closes({ '2024-03-01': '1.10', '2024-03-04': '1.20' }) };
  const ledger = [
    deposit('2024-03-01', '1000', { accountId: 'eur-account', currency: 'EUR' }),
    buy('2024-03-01', 'SAP', '4', '200', { accountId: 'eur-account', currency: 'EUR' }),
    // A dollar stock bought from euros at the transaction's own rate: 100 USD cost 90 EUR.
    buy('2024-03-01', 'AAPL', '1', '100', { accountId: 'eur-account', currency: 'USD', fxRate: '0.9' }),
  ];
  const prices = {
    SAP: closes({ '2024-03-01': '200', '2024-03-04': '210' }),
    AAPL: closes({ '2024-03-01': '100', '2024-03-04': '105' }),
    ...fx,
  };

  it('converts cash at the transaction rate and values at each day rate', () => {
    const series = valueSeries({ ...inputs(ledger, prices), from: '2024-03-01', to: '2024-03-04' });
    // Friday: 4 x 200 EUR x 1.10 + 1 x 100 USD + 110 EUR cash x 1.10 = 880 + 100 + 121.
    // The weekend keeps Friday's closes and rate; Monday: 4 x 210 x 1.20 + 105 + 110 x 1.20.
    expect(series.points.map((point) => [point.date, point.value.toString()])).toEqual([
      ['2024-03-01', '1101'],
      ['2024-03-02', '1101'],
      ['2024-03-03', '1101'],
      ['2024-03-04', '1245'],
    ]);
    // The deposit of 1000 EUR at Friday's 1.10.
    expect(series.points[0]?.netFlow.toString()).toBe('1100');
    expect(percent(timeWeightedReturn(series))).toBe('13.08');
  });

  it('answers in euros when the base currency is the euro', () => {
    const series = valueSeries({
      ...inputs(ledger, prices, { baseCurrency: 'EUR' }),
      from: '2024-03-04',
      to: '2024-03-04',
    });
    // 4 x 210 + 105 / 1.20 + 110 = 840 + 87.5 + 110; the day before: 800 + 100 / 1.10 + 110.
    expect(series.points[0]?.value.toString()).toBe('1037.5');
    expect(close(series.start, d(910).plus(d(100).dividedBy('1.1')))).toBe(true);
  });
});

describe('splits, missing days and live prices', () => {
  it('multiplies the units by a split and keeps the value', () => {
    const ledger = [
      deposit('2024-05-06', '1000'),
      buy('2024-05-06', 'NVDA', '10', '100'),
      tx('split', '2024-05-07', { symbol: 'NVDA', split: { to: d(4), from: d(1) } }),
    ];
    const nvda = closes({ '2024-05-06': '100', '2024-05-07': '25', '2024-05-08': '26' });
    const series = valueSeries({ ...inputs(ledger, { NVDA: nvda }), from: '2024-05-06', to: '2024-05-08' });
    expect(series.points.map((point) => point.value.toString())).toEqual(['1000', '1000', '1040']);
    expect(replayQuantities(ledger).quantities.get('usd-account\u0000NVDA')?.toString()).toBe('40');
  });

  it('uses the nearest earlier close on a day without one, and the trade price before any close', () => {
    const ledger = [deposit('2024-05-03', '500'), buy('2024-05-03', 'MSFT', '5', '100')];
    // Closes on Monday and Wednesday only; none on Friday the 3rd, the day of the buy.
    const msft = closes({ '2024-05-06': '110', '2024-05-08': '90' });
    const series = valueSeries({ ...inputs(ledger, { MSFT: msft }), from: '2024-05-03', to: '2024-05-09' });
    expect(series.points.map((point) => point.value.toString())).toEqual([
      '500', // Friday: the buy's own price
      '500',
      '500',
      '550', // Monday's close
      '550', // Tuesday: Monday's
      '450',
      '450', // Thursday: Wednesday's
    ]);
  });

  it('values the last day at the live price when given one', () => {
    const ledger = [deposit('2024-05-06', '1000'), buy('2024-05-06', 'MSFT', '10', '100')];
    const msft = closes({ '2024-05-06': '100' });
    const live = new Map([['MSFT', d('112.5')]]);
    const report = performanceReport(
      inputs(ledger, { MSFT: msft }, { livePrices: live }),
      '1m',
      '2024-05-07',
    );
    expect(report.series.map((point) => point.value)).toEqual(['1000.00', '1125.00']);
    expect(report.timeWeightedReturn).toBe('12.50');
  });

  it('counts a fee on a deposit as a cost, not as less money put in', () => {
    const ledger = [deposit('2024-05-06', '1000'), deposit('2024-05-07', '1000', { fee: d(10) })];
    const series = valueSeries({ ...inputs(ledger, {}), from: '2024-05-06', to: '2024-05-07' });
    // (1990 - 1000) / 1000 - 1 = -1 %.
    expect(percent(timeWeightedReturn(series))).toBe('-1.00');
  });
});

describe('XIRR', () => {
  it('has no answer when every flow has one sign, or all fall on one day', () => {
    expect(xirr([{ date: '2024-01-01', amount: d(-1000) }])).toBeNull();
    expect(
      xirr([
        { date: '2024-01-01', amount: d(-1000) },
        { date: '2025-01-01', amount: d(-500) },
      ]),
    ).toBeNull();
    expect(
      xirr([
        { date: '2024-01-01', amount: d(-1000) },
        { date: '2024-01-01', amount: d(1100) },
      ]),
    ).toBeNull();
    // Everything lost: the end value is 0, the only flow left is the deposit.
    const lost = inputs([deposit('2024-01-02', '1000'), buy('2024-01-02', 'ZZZ', '10', '100')], {
      ZZZ: closes({ '2024-01-02': '100', '2024-01-03': '0' }),
    });
    expect(performanceReport(lost, 'all', '2024-01-03').moneyWeightedReturn).toBeNull();
  });

  it('annualises a loss of half in a month to nearly -100 %', () => {
    const rate = xirr([
      { date: '2024-01-01', amount: d(-1000) },
      { date: '2024-01-31', amount: d(500) },
    ]) as Decimal;
    // (1 + r)^(30/365) = 0.5, so r = 0.5^(365/30) - 1 = -99.98 %.
    expect(close(rate.plus(1).pow(d(30).dividedBy(365)), '0.5', 20)).toBe(true);
    expect(percent(rate)).toBe('-99.98');
  });

  it('of a single deposit grown by g over exactly one year is g', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -9900, max: 100_000 }).map((basisPoints) => d(basisPoints).dividedBy(10_000)),
        fc.integer({ min: 1, max: 10_000_000 }).map((cents) => d(cents).dividedBy(100)),
        (growth, amount) => {
          const rate = xirr([
            { date: '2023-03-01', amount: amount.negated() },
            { date: '2024-02-29', amount: amount.times(growth.plus(1)) },
          ]);
          return rate !== null && close(rate, growth, 20);
        },
      ),
    );
  });
});

describe('time-weighted return', () => {
  it('with no flow after the start, is the end value over the start value less 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (cents, quantity) => {
          const days = cents.map((_, i) => addDays('2024-01-01', i));
          const prices = closes(
            Object.fromEntries(
              days.map((day, i) => [
                day,
                d(cents[i] as number)
                  .div(100)
                  .toString(),
              ]),
            ),
          );
          const first = prices[0] as DailyClose;
          const cost = first.close.times(quantity);
          const ledger = [
            deposit(first.date, cost.toString()),
            buy(first.date, 'P', String(quantity), first.close.toString()),
          ];
          const series = valueSeries({
            ...inputs(ledger, { P: prices }),
            from: first.date,
            to: days.at(-1) as string,
          });
          const last = series.points.at(-1)?.value as Decimal;
          const twr = timeWeightedReturn(series);
          if (series.points.length === 1) return twr === null;
          return twr !== null && close(twr, last.dividedBy(cost).minus(1));
        },
      ),
    );
  });
});

describe('ranges', () => {
  it('end today and start at the later of the range and the first transaction', () => {
    expect(performanceWindow('1m', '2024-03-31', '2020-01-01')).toEqual({
      from: '2024-03-01',
      to: '2024-03-31',
    });
    expect(performanceWindow('1m', '2024-03-30', '2020-01-01').from).toBe('2024-03-01');
    expect(performanceWindow('6m', '2024-08-31', '2020-01-01').from).toBe('2024-03-01');
    expect(performanceWindow('1y', '2024-02-29', '2020-01-01').from).toBe('2023-03-01');
    expect(performanceWindow('ytd', '2024-05-17', '2020-01-01').from).toBe('2024-01-01');
    expect(performanceWindow('all', '2024-05-17', '2020-01-01').from).toBe('2020-01-01');
    expect(performanceWindow('1y', '2024-05-17', '2024-04-02').from).toBe('2024-04-02');
  });

  it('answer an empty ledger with no series and no returns', () => {
    expect(performanceReport(inputs([], {}), 'all', '2024-05-17')).toEqual({
      range: 'all',
      baseCurrency: 'USD',
      from: '2024-05-17',
      to: '2024-05-17',
      timeWeightedReturn: null,
      moneyWeightedReturn: null,
      series: [],
    });
  });
});
