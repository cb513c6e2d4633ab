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
import {
  type PortfolioCalendar,
  PortfolioMoveTracker,
  type PortfolioRuleState,
} from '../../src/alerts/portfolio-moves.js';

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

  it('says a new rule starts past its level exactly when the price is at or beyond it', () => {
    const gain = positionRule('position_gain', 10, breakEven);
    expect(startsPastThreshold(gain, 110.11, null)).toBe(true);
    expect(startsPastThreshold(gain, 110.1, null)).toBe(false);
    const loss = positionRule('position_loss', 10, breakEven);
    expect(startsPastThreshold(loss, 90.09, null)).toBe(true);
    expect(startsPastThreshold(loss, 90.1, null)).toBe(false);
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
