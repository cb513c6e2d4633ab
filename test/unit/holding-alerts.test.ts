import { describe, expect, it } from 'vitest';
import {
  type AlertCalendar,
  type AlertDecision,
  AlertEvaluator,
  type AlertRuleState,
  positionLevel,
  startsPastThreshold,
} from '../../src/alerts/alert-evaluator.js';
import { firingMessage, portfolioMessage } from '../../src/alerts/alert-messages.js';
import { breakEvenOf, portfolioSnapshotOf } from '../../src/alerts/holding-figures.js';
import {
  type PortfolioCalendar,
  PortfolioMoveTracker,
  type PortfolioRuleState,
} from '../../src/alerts/portfolio-moves.js';
import { Decimal } from '../../src/portfolio/decimal.js';
import { holdingsView, type Rates, replayLedger, valueHoldings } from '../../src/portfolio/holdings.js';
import type { LedgerTransaction } from '../../src/portfolio/ledger.js';
import type { CostBasisMethod } from '../../src/portfolio/portfolio.schemas.js';

const T0 = Date.parse('2026-03-02T15:00:00Z');
const DAY = 86_400_000;

const utcDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const alwaysOpen: AlertCalendar = { inRegularHours: () => true, tradingDay: (_symbol, time) => utcDay(time) };
const portfolioCalendar: PortfolioCalendar = { inRegularHours: () => true, tradingDay: utcDay };

function positionRule(
  kind: 'position_gain' | 'position_loss',
  threshold: number,
  breakEven: number,
  overrides: Partial<AlertRuleState> = {},
): AlertRuleState {
  return {
    id: `${kind}-${threshold}`,
    userId: 'user-1',
    symbol: 'AAPL',
    kind,
    threshold,
    windowMinutes: null,
    breakEven,
    frequency: 'once',
    hysteresisPercent: 0.5,
    cooldownMinutes: 0,
    expiresAt: null,
    regularHoursOnly: false,
    armed: true,
    fireCount: 0,
    lastFiredAt: null,
    recentFirings: [],
    ...overrides,
  };
}

function feed(evaluator: AlertEvaluator, prices: number[], start = T0): AlertDecision[] {
  return prices.flatMap((price, i) => evaluator.evaluate('AAPL', price, start + i * 1000, null));
}

const firedPrices = (decisions: AlertDecision[]) =>
  decisions.flatMap((decision) => (decision.type === 'fire' ? [decision.price] : []));

describe('position alerts: a price crossing at the level the holding derives', () => {
  // Bought 10 @ 100 with a fee of 1: the cost is 1,001, so 100.10 a unit breaks even, and the P/L
  // is +10 % at 1,101.10 / 10 = 110.11.
  const breakEven = 1001 / 10;

  it('derives +10 % of a cost of 1,001 for 10 units at 110.11 and -10 % at 90.09', () => {
    expect(positionLevel('position_gain', breakEven, 10)).toBeCloseTo(110.11, 10);
    expect(positionLevel('position_loss', breakEven, 10)).toBeCloseTo(90.09, 10);
  });

  it('fires a gain at 110.11, not at 110.10, with a message naming the holding and its P/L', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.add(positionRule('position_gain', 10, breakEven));
    expect(firedPrices(feed(evaluator, [105, 110.1]))).toEqual([]);
    const decisions = feed(evaluator, [110.11, 112], T0 + 10_000);
    expect(firedPrices(decisions)).toEqual([110.11]);
    const fire = decisions[0] as Extract<AlertDecision, { type: 'fire' }>;
    expect(firingMessage(fire, false)).toBe(
      'Your AAPL holding is up 10.00 % on its cost (alert at +10 %): 110.11',
    );
  });

  it('fires a loss on the way down only, and says the market is simulated when it is', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.add(positionRule('position_loss', 10, breakEven));
    const decisions = feed(evaluator, [100, 95, 90.1, 90.09, 95, 89]);
    expect(firedPrices(decisions)).toEqual([90.09]);
    expect(firingMessage(decisions[0] as Extract<AlertDecision, { type: 'fire' }>, true)).toBe(
      'Your AAPL holding is down 10.00 % on its cost (alert at -10 %): 90.09 (simulated market)',
    );
  });

  it('rearms once the P/L is back by the hysteresis in percentage points (9.5 % at 109.6095)', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.add(
      positionRule('position_gain', 10, breakEven, { frequency: 'rearm', hysteresisPercent: 0.5 }),
    );
    // 109.62 is a P/L of 9.51 %: not back far enough; 109.60 is 9.49 %.
    const decisions = feed(evaluator, [105, 110.2, 109.62, 110.5, 109.6, 110.3]);
    expect(firedPrices(decisions)).toEqual([110.2, 110.3]);
    expect(decisions.map((decision) => decision.type)).toEqual(['fire', 'rearmed', 'fire']);
  });

  it('takes a new level when the holding changes: the rule keeps its state, nothing fires for the change', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.add(positionRule('position_gain', 10, breakEven));
    feed(evaluator, [108]);
    // Bought 10 more @ 90 fee 1: 20 units cost 1,902, 95.10 a unit; +10 % is now at 104.61.
    evaluator.remove('position_gain-10');
    evaluator.add(positionRule('position_gain', 10, 1902 / 20));
    expect(firedPrices(feed(evaluator, [108.5], T0 + 5000))).toEqual([]);
    expect(firedPrices(feed(evaluator, [104, 104.61], T0 + 10_000))).toEqual([104.61]);
  });

  it('decides the same with and without the price band, each firing where the P/L reaches X', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const banded = new AlertEvaluator(alwaysOpen);
    const plain = new AlertEvaluator(alwaysOpen, { priceBand: false });
    const rules: AlertRuleState[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = random() < 0.5 ? 'position_gain' : 'position_loss';
      const made = positionRule(kind, Math.round((0.5 + random() * 8) * 100) / 100, 95 + random() * 10, {
        id: `rule-${i}`,
        frequency: random() < 0.5 ? 'rearm' : 'once',
        hysteresisPercent: 0.2,
      });
      rules.push(made);
      banded.add({ ...made, recentFirings: [] });
      plain.add({ ...made, recentFirings: [] });
    }
    let price = 100;
    let previous = price;
    let fired = 0;
    for (let tick = 0; tick < 10_000; tick++) {
      price = Math.max(80, Math.min(120, Math.round((price + (random() - 0.5) * 0.6) * 100) / 100));
      const time = T0 + tick * 1000;
      const decisions = banded.evaluate('AAPL', price, time, null);
      expect(decisions).toEqual(plain.evaluate('AAPL', price, time, null));
      for (const decision of decisions) {
        if (decision.type !== 'fire') continue;
        fired++;
        const { kind, threshold, breakEven } = decision.rule;
        const pnl = (p: number) => ((p - (breakEven as number)) / (breakEven as number)) * 100;
        if (kind === 'position_gain') {
          expect(pnl(price)).toBeGreaterThanOrEqual(threshold - 1e-9);
          expect(pnl(previous)).toBeLessThan(threshold + 1e-9);
        } else {
          expect(pnl(price)).toBeLessThanOrEqual(-threshold + 1e-9);
          expect(pnl(previous)).toBeGreaterThan(-threshold - 1e-9);
        }
      }
      previous = price;
    }
    expect(fired).toBeGreaterThan(50);
    expect(banded.ticksInBand).toBeGreaterThan(1000);
  });

  it('says a new rule starts past its level exactly when the price is at or beyond it', () => {
    const gain = positionRule('position_gain', 10, breakEven);
    expect(startsPastThreshold(gain, 110.11, null)).toBe(true);
    expect(startsPastThreshold(gain, 110.1, null)).toBe(false);
    const loss = positionRule('position_loss', 10, breakEven);
    expect(startsPastThreshold(loss, 90.09, null)).toBe(true);
    expect(startsPastThreshold(loss, 90.1, null)).toBe(false);
  });
});

const ONE_RATE: Rates = { at: () => new Decimal(1), now: () => new Decimal(1) };
let entry = 0;
function trade(type: 'buy' | 'sell', quantity: string, price: string, date: string): LedgerTransaction {
  entry++;
  return {
    id: `tx-${entry}`,
    entry,
    accountId: 'account',
    type,
    symbol: 'AAPL',
    quantity: new Decimal(quantity),
    price: new Decimal(price),
    amount: null,
    fee: new Decimal(1),
    tax: null,
    currency: 'USD',
    date,
    fxRate: null,
    split: null,
    note: null,
  };
}

/** The holdings the ledger's engine makes of `transactions` (a USD account), as the alerts read them. */
function viewOf(
  transactions: LedgerTransaction[],
  method: CostBasisMethod,
  price: string,
  previousClose: string,
) {
  const accountCurrencies = new Map([['account', 'USD']]);
  const replay = replayLedger({
    transactions,
    accountCurrencies,
    method,
    baseCurrency: 'USD',
    rates: ONE_RATE,
    today: '2026-03-02',
  });
  const live = { price: new Decimal(price), previousClose: new Decimal(previousClose), time: T0 };
  const figures = valueHoldings(replay, {
    prices: new Map([['AAPL', live]]),
    rates: ONE_RATE,
    baseCurrency: 'USD',
    accountCurrencies,
  });
  return holdingsView(figures, { baseCurrency: 'USD', costBasis: method, names: new Map() });
}

describe("levels from the ledger's holdings", () => {
  // Buy 10 @ 100 fee 1, buy 10 @ 110 fee 1, sell 5 @ 120 fee 1: average cost leaves 15 costing
  // 1,576.50 (105.10 a unit: +10 % at 115.61); FIFO leaves 5 of the first lot (500.50) and the
  // second (1,101.00): 1,601.50, 106.7666... a unit, +10 % at 117.44333...
  const ledger = [
    trade('buy', '10', '100', '2026-01-05'),
    trade('buy', '10', '110', '2026-01-06'),
    trade('sell', '5', '120', '2026-01-07'),
  ];

  it('derives the break-even and the level under average cost and FIFO', () => {
    const average = breakEvenOf(viewOf(ledger, 'average', '112', '111'), 'AAPL');
    const fifo = breakEvenOf(viewOf(ledger, 'fifo', '112', '111'), 'AAPL');
    expect(average).toBeCloseTo(105.1, 10);
    expect(fifo).toBeCloseTo(1601.5 / 15, 7);
    expect(positionLevel('position_gain', average as number, 10)).toBeCloseTo(115.61, 10);
    expect(positionLevel('position_gain', fifo as number, 10)).toBeCloseTo(117.443333, 5);
    expect(breakEvenOf(viewOf(ledger, 'fifo', '112', '111'), 'MSFT')).toBeNull();
  });

  it("says no holding once it is sold out, and starts a portfolio from the page's value and day gain", () => {
    const soldOut = [...ledger, trade('sell', '15', '130', '2026-01-08')];
    expect(breakEvenOf(viewOf(soldOut, 'fifo', '112', '111'), 'AAPL')).toBeNull();
    // 15 units at 112 against a previous close of 111: value 1,680, day gain 15, so 1,665 at the
    // previous close. The account's cash (no deposit: -1,001 - 1,101 + 599) is the fixed value.
    const snapshot = portfolioSnapshotOf(viewOf(ledger, 'average', '112', '111'), () => 111);
    expect(snapshot.holdings).toEqual([
      { symbol: 'AAPL', weight: 15, price: 112, previousClose: 111, reference: 1665 },
    ]);
    expect(snapshot.fixedValue).toBeCloseTo(-1503, 9);
  });
});

function portfolioRule(threshold: number, overrides: Partial<PortfolioRuleState> = {}): PortfolioRuleState {
  return {
    id: `portfolio-${threshold}`,
    userId: 'user-1',
    threshold,
    frequency: 'rearm',
    hysteresisPercent: 0.5,
    expiresAt: null,
    regularHoursOnly: false,
    fireCount: 0,
    lastFiredAt: null,
    up: { armed: true, lastFiredAt: null },
    down: { armed: true, lastFiredAt: null },
    ...overrides,
  };
}

/**
 * A portfolio of 1,000 USD cash, 10 AAPL at 100 (previous close 100) and 20 SAP at 50 EUR (previous
 * close 50) at 1.10 USD a euro: 1,000 + 1,000 + 1,100 = 3,100 USD at the previous closes.
 */
function trackedPortfolio(rule: PortfolioRuleState): PortfolioMoveTracker {
  const tracker = new PortfolioMoveTracker(portfolioCalendar);
  tracker.add(rule);
  tracker.load('user-1', {
    baseCurrency: 'USD',
    fixedValue: 1000,
    holdings: [
      { symbol: 'AAPL', weight: 10, price: 100, previousClose: 100, reference: 1000 },
      { symbol: 'SAP', weight: 20 * 1.1, price: 50, previousClose: 50, reference: 1100 },
    ],
  });
  return tracker;
}

describe('portfolio day move', () => {
  it('moves the value with one holding and fires +2 % of 3,100 (62 USD) when AAPL reaches 106.20', () => {
    const tracker = trackedPortfolio(portfolioRule(2));
    expect(tracker.moveOf('user-1')).toBe(0);
    expect(tracker.evaluate('AAPL', 106.1, T0, 100)).toEqual([]);
    const [fire] = tracker.evaluate('AAPL', 106.2, T0 + 1000, 100);
    expect(fire).toMatchObject({ direction: 'up', occurrence: 1, baseCurrency: 'USD' });
    expect(fire?.value).toBeCloseTo(3162, 9);
    expect(fire?.move).toBeCloseTo(2, 9);
    expect(portfolioMessage(fire as NonNullable<typeof fire>, false)).toBe(
      'Your portfolio is up 2.00 % today (alert at ±2 %): 3,162.00 USD',
    );
  });

  it('costs nothing for a symbol it does not hold', () => {
    const tracker = trackedPortfolio(portfolioRule(2));
    expect(tracker.evaluate('MSFT', 500, T0, 100)).toEqual([]);
    expect(tracker.moveOf('user-1')).toBe(0);
  });

  it('fires each direction at most once per trading day, the fall too, in the base currency', () => {
    const tracker = trackedPortfolio(portfolioRule(2));
    // SAP at 47.18 EUR: 22 x -2.82 = -62.04 USD, -2.001 %.
    expect(tracker.evaluate('SAP', 47.18, T0, 50).map((fire) => fire.direction)).toEqual(['down']);
    expect(tracker.evaluate('SAP', 50, T0 + 1000, 50)).toEqual([]);
    // Back, and down again the same day: rearmed by the hysteresis, but not a second time today.
    expect(tracker.evaluate('SAP', 47, T0 + 2000, 50)).toEqual([]);
    // Up the same day: the other direction fires.
    expect(tracker.evaluate('SAP', 53, T0 + 3000, 50).map((fire) => fire.direction)).toEqual(['up']);
    expect(tracker.evaluate('SAP', 50, T0 + 4000, 50)).toEqual([]);
    expect(tracker.evaluate('SAP', 53, T0 + 5000, 50)).toEqual([]);
    // The next day SAP's previous close is 53: the reference rolls over and a fall of 2 % fires again.
    expect(tracker.evaluate('SAP', 53, T0 + DAY, 53)).toEqual([]);
    expect(tracker.moveOf('user-1')).toBeCloseTo(0, 9);
    const [fire] = tracker.evaluate('SAP', 50, T0 + DAY + 1000, 53);
    expect(fire).toMatchObject({ direction: 'down', occurrence: 3 });
  });

  it('stops a once rule after its first firing, and does not fire on a change of the ledger', () => {
    const tracker = trackedPortfolio(portfolioRule(2, { frequency: 'once' }));
    // The user sells AAPL for cash: the figures move, nothing fires.
    tracker.load('user-1', {
      baseCurrency: 'USD',
      fixedValue: 1000 + 1000,
      holdings: [{ symbol: 'SAP', weight: 22, price: 50, previousClose: 50, reference: 1100 }],
    });
    expect(tracker.evaluate('AAPL', 120, T0, 100)).toEqual([]);
    expect(tracker.evaluate('SAP', 53, T0 + 1000, 50)).toHaveLength(1);
    expect(tracker.size).toBe(0);
    expect(tracker.evaluate('SAP', 40, T0 + 2000, 50)).toEqual([]);
  });

  it('remembers a direction fired earlier the same day (across a restart) and honours expiry', () => {
    const restarted = trackedPortfolio(portfolioRule(2, { up: { armed: true, lastFiredAt: T0 - 1000 } }));
    expect(restarted.evaluate('AAPL', 107, T0, 100)).toEqual([]);
    const expired = trackedPortfolio(portfolioRule(2, { expiresAt: T0 }));
    expect(expired.evaluate('AAPL', 107, T0, 100)).toEqual([]);
  });
});
