import { describe, expect, it } from 'vitest';
import { marketCalendar } from '../../src/alerts/alert-calendar.js';
import {
  type AlertCalendar,
  type AlertDecision,
  AlertEvaluator,
  type AlertRuleState,
  startsPastThreshold,
} from '../../src/alerts/alert-evaluator.js';
import type { SymbolAlertKind } from '../../src/alerts/alerts.schemas.js';

const T0 = Date.parse('2026-03-02T15:00:00Z'); // a Monday, 10:00 in New York
const MIN = 60_000;

/** Every hour is regular; the trading day is the UTC date. */
const alwaysOpen: AlertCalendar = {
  inRegularHours: () => true,
  tradingDay: (_symbol, time) => new Date(time).toISOString().slice(0, 10),
};

let nextId = 0;
function rule(
  kind: SymbolAlertKind,
  threshold: number,
  overrides: Partial<AlertRuleState> = {},
): AlertRuleState {
  nextId++;
  return {
    id: `rule-${nextId}`,
    userId: 'user-1',
    symbol: 'AAPL',
    kind,
    threshold,
    windowMinutes: null,
    breakEven: null,
    frequency: 'once',
    hysteresisPercent: 0.5,
    cooldownMinutes: 15,
    expiresAt: null,
    regularHoursOnly: false,
    armed: true,
    fireCount: 0,
    lastFiredAt: null,
    recentFirings: [],
    ...overrides,
  };
}

/** Feeds prices one a second from `start`; answers the firings as [price, occurrence]. */
function feed(
  evaluator: AlertEvaluator,
  prices: number[],
  { start = T0, stepMs = 1000, previousClose = null as number | null, symbol = 'AAPL' } = {},
): AlertDecision[] {
  return prices.flatMap((price, i) => evaluator.evaluate(symbol, price, start + i * stepMs, previousClose));
}

const fired = (decisions: AlertDecision[]) =>
  decisions.filter((d) => d.type === 'fire').map((d) => (d.type === 'fire' ? [d.rule.id, d.price] : []));

describe('alert evaluation', () => {
  it('fires price_cross_up once on a real upward cross, with the price that crossed, and then stops (once)', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const up = rule('price_cross_up', 100);
    evaluator.add(up);
    const decisions = feed(evaluator, [98, 99.5, 100.2, 99, 101]);
    expect(fired(decisions)).toEqual([[up.id, 100.2]]);
    const fire = decisions.find((d) => d.type === 'fire');
    expect(fire).toMatchObject({ occurrence: 1, time: T0 + 2000 });
    expect(evaluator.get(up.id)).toBeUndefined();
  });

  it('fires price_cross_down and price_cross in their directions only', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const down = rule('price_cross_down', 100);
    const either = rule('price_cross', 100, { frequency: 'rearm', cooldownMinutes: 0, hysteresisPercent: 0 });
    evaluator.add(down);
    evaluator.add(either);
    expect(fired(feed(evaluator, [99, 101]))).toEqual([[either.id, 101]]);
    expect(fired(feed(evaluator, [101, 99.9], { start: T0 + 10_000 })).sort()).toEqual([
      [down.id, 99.9],
      [either.id, 99.9],
    ]);
  });

  it('lets a rule created past its threshold wait for the price to come back and cross', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.prime('AAPL', 105, null);
    const up = rule('price_cross_up', 100);
    evaluator.add(up);
    expect(evaluator.isPastThreshold(up)).toBe(true);
    expect(fired(feed(evaluator, [106, 104, 101]))).toEqual([]);
    expect(fired(feed(evaluator, [99, 100.5], { start: T0 + 10_000 }))).toEqual([[up.id, 100.5]]);
  });

  it('counts a gap: a jump over the threshold between two ticks (or across a restart) fires once', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    // The last stored quote before a restart primes the evaluator; it fires nothing itself.
    evaluator.prime('AAPL', 95, null);
    const up = rule('price_cross_up', 100);
    const up2 = rule('price_cross_up', 102);
    evaluator.add(up);
    evaluator.add(up2);
    expect(fired(feed(evaluator, [110]))).toEqual([
      [up.id, 110],
      [up2.id, 110],
    ]);
  });

  it('says a new rule starts past its threshold exactly when a primed evaluator does', () => {
    const cases: Array<[SymbolAlertKind, number, number | null]> = [];
    for (const kind of [
      'price_cross_up',
      'price_cross_down',
      'price_cross',
      'day_change_up',
      'day_change_down',
    ] as const) {
      for (const threshold of [1, 2, 99, 100, 101]) cases.push([kind, threshold, 98]);
    }
    for (const [kind, threshold, previousClose] of cases) {
      const evaluator = new AlertEvaluator(alwaysOpen);
      evaluator.prime('AAPL', 100, previousClose);
      const probe = rule(kind, threshold);
      evaluator.add(probe);
      expect(startsPastThreshold(probe, 100, previousClose), `${kind} ${threshold}`).toBe(
        evaluator.isPastThreshold(probe),
      );
    }
    expect(startsPastThreshold(rule('price_cross_up', 95), 100, null)).toBe(true);
    expect(startsPastThreshold(rule('move_up', 1, { windowMinutes: 5 }), 100, null)).toBe(false);
  });

  it('compares the first tick after a restart with the stored price, even if a newer one was primed', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    // Ticks seen while the rules were loading must not hide a crossing during the downtime.
    evaluator.prime('AAPL', 103, null);
    evaluator.prime('AAPL', 98, null, { replace: true });
    const up = rule('price_cross_up', 100);
    evaluator.add(up);
    expect(fired(feed(evaluator, [103.5]))).toEqual([[up.id, 103.5]]);
  });

  it('never fires on a tick older than the last evaluated one (a late snapshot, a replayed trade)', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const down = rule('price_cross_down', 100);
    evaluator.add(down);
    evaluator.evaluate('AAPL', 99, T0, null);
    evaluator.evaluate('AAPL', 101, T0 + 2000, null);
    // A trade of T0 delivered again, after a newer one: ignored.
    expect(evaluator.evaluate('AAPL', 99, T0, null)).toEqual([]);
    expect(evaluator.evaluate('AAPL', 99, T0 + 1000, null)).toEqual([]);
    expect(fired(feed(evaluator, [99.5], { start: T0 + 3000 }))).toEqual([[down.id, 99.5]]);
  });

  it('rearms only after the price came back past the threshold by the hysteresis and the cooldown passed', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const up = rule('price_cross_up', 100, { frequency: 'rearm', hysteresisPercent: 1, cooldownMinutes: 15 });
    evaluator.add(up);
    expect(fired(feed(evaluator, [99, 100.1]))).toEqual([[up.id, 100.1]]);
    // Back to 99.5: not 1 % below 100, so still disarmed; the next cross does not fire.
    const decisions = feed(evaluator, [99.5, 100.3], { start: T0 + MIN });
    expect(fired(decisions)).toEqual([]);
    expect(decisions.some((d) => d.type === 'rearmed')).toBe(false);
    // 98.9 is 1.1 % below: rearmed, but the cooldown (15 min from the firing) has not passed.
    const rearm = feed(evaluator, [98.9], { start: T0 + 2 * MIN });
    expect(rearm.map((d) => d.type)).toEqual(['rearmed']);
    expect(evaluator.isArmedAt(up, T0 + 2 * MIN)).toBe(false);
    expect(fired(feed(evaluator, [100.4, 98], { start: T0 + 3 * MIN }))).toEqual([]);
    // After the cooldown, the next real cross fires: occurrence 2.
    const later = feed(evaluator, [99, 100.6], { start: T0 + 16 * MIN });
    expect(fired(later)).toEqual([[up.id, 100.6]]);
    expect(later.find((d) => d.type === 'fire')).toMatchObject({ occurrence: 2 });
  });

  it('fires rearm rules at most once per trading day for day changes', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const day = rule('day_change_up', 5, { frequency: 'rearm', hysteresisPercent: 0.5 });
    evaluator.add(day);
    // Previous close 100: +5 % is 105.
    expect(fired(feed(evaluator, [101, 105.2], { previousClose: 100 }))).toEqual([[day.id, 105.2]]);
    // Back under +4.5 % and up again the same day: nothing.
    expect(fired(feed(evaluator, [104, 106], { start: T0 + 10 * MIN, previousClose: 100 }))).toEqual([]);
    // Next day (previous close 106): back near 0 %, then +5 % again.
    const nextDay = T0 + 24 * 60 * MIN;
    expect(fired(feed(evaluator, [106.5, 111.4], { start: nextDay, previousClose: 106 }))).toEqual([
      [day.id, 111.4],
    ]);
  });

  it('fires day_change_down at minus the threshold', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const down = rule('day_change_down', 3);
    evaluator.add(down);
    expect(fired(feed(evaluator, [99, 97.5, 96.9], { previousClose: 100 }))).toEqual([[down.id, 96.9]]);
  });

  it('fires move_up from the lowest price in the window, and not once that low left the window', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const move = rule('move_up', 2, { windowMinutes: 5 });
    evaluator.add(move);
    // Low of 100 at minute 0; 101.9 at minute 3 is +1.9 %; 102.1 at minute 4 is +2.1 %: fires.
    const decisions = feed(evaluator, [100, 101, 101.9, 102.1], { stepMs: MIN });
    expect(fired(decisions)).toEqual([[move.id, 102.1]]);
    expect(decisions.find((d) => d.type === 'fire')).toMatchObject({ reference: 100 });

    const slow = new AlertEvaluator(alwaysOpen);
    const move2 = rule('move_up', 2, { windowMinutes: 5 });
    slow.add(move2);
    // The same rise over 10 minutes never rises 2 % within any 5 minutes.
    expect(
      fired(feed(slow, [100, 100.3, 100.6, 100.9, 101.2, 101.5, 101.8, 102.1, 102.4], { stepMs: MIN })),
    ).toEqual([]);
  });

  it('measures moves from stored minutes too (a restart, a rule created mid-move)', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.recordMinute('AAPL', T0 - 3 * MIN, 100, 100.4);
    evaluator.recordMinute('AAPL', T0 - 30 * MIN, 90, 90);
    const move = rule('move_up', 2, { windowMinutes: 10 });
    evaluator.add(move);
    const decisions = feed(evaluator, [101, 102.5]);
    expect(fired(decisions)).toEqual([[move.id, 102.5]]);
    expect(decisions.find((d) => d.type === 'fire')).toMatchObject({ reference: 100 });
  });

  it('fires move_down from the highest price in the window', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const move = rule('move_down', 3, { windowMinutes: 60 });
    evaluator.add(move);
    const decisions = feed(evaluator, [200, 205, 201, 198.8], { stepMs: 10 * MIN });
    expect(fired(decisions)).toEqual([[move.id, 198.8]]);
    expect(decisions.find((d) => d.type === 'fire')).toMatchObject({ reference: 205 });
  });

  it('pauses a rule that would fire an eleventh time within an hour (the flood guard)', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const noisy = rule('price_cross', 100, {
      frequency: 'rearm',
      cooldownMinutes: 0,
      hysteresisPercent: 0.1,
    });
    evaluator.add(noisy);
    const prices = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 99 : 101));
    const decisions = feed(evaluator, prices, { stepMs: MIN });
    expect(decisions.filter((d) => d.type === 'fire')).toHaveLength(10);
    expect(decisions.filter((d) => d.type === 'flooded')).toHaveLength(1);
    expect(evaluator.get(noisy.id)).toBeUndefined();
  });

  it('does not fire an expired rule, nor a regular-hours rule outside the session', () => {
    const evaluator = new AlertEvaluator(marketCalendar);
    // 03:00 in New York on a Monday: outside the regular session.
    const night = Date.parse('2026-03-02T08:00:00Z');
    const expired = rule('price_cross_up', 100, { expiresAt: night });
    const regular = rule('price_cross_up', 100, { regularHoursOnly: true });
    evaluator.add(expired);
    evaluator.add(regular);
    expect(fired(feed(evaluator, [99, 101], { start: night }))).toEqual([]);
    expect(fired(feed(evaluator, [99, 101], { start: T0 + MIN }))).toEqual([[regular.id, 101]]);
  });

  it('keeps thousands of idle rules of a symbol apart from the one a tick crosses', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    for (let i = 0; i < 20_000; i++) evaluator.add(rule('price_cross_up', 1000 + i));
    const near = rule('price_cross_up', 100.5);
    evaluator.add(near);
    evaluator.evaluate('AAPL', 100, T0, null);
    for (let i = 0; i < 1000; i++) {
      expect(evaluator.evaluate('AAPL', 100 + (i % 2) * 0.1, T0 + i + 1, null)).toEqual([]);
    }
    expect(fired(feed(evaluator, [100.6], { start: T0 + 20_000 }))).toEqual([[near.id, 100.6]]);
    expect(evaluator.size).toBe(20_000);
  });

  it('crosses a level the price sat exactly on, whichever way the price leaves and comes back', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const up = rule('price_cross_up', 100);
    const down = rule('price_cross_down', 100);
    evaluator.add(up);
    evaluator.add(down);
    // Leaving 100 crosses nothing; every later pass of 100 does, in its direction.
    expect(fired(feed(evaluator, [100, 100.4, 100.2]))).toEqual([]);
    expect(fired(feed(evaluator, [99.8, 99.9], { start: T0 + 10_000 }))).toEqual([[down.id, 99.8]]);
    expect(fired(feed(evaluator, [100], { start: T0 + 20_000 }))).toEqual([[up.id, 100]]);
  });

  it('sees a rule added between two ticks even when the price hardly moves around it', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    evaluator.add(rule('price_cross_up', 110));
    evaluator.add(rule('price_cross_down', 90));
    // Many quiet ticks between 90 and 110, then a rule just above the price.
    feed(evaluator, [100, 100.1, 100.2, 100.1]);
    const near = rule('price_cross_up', 100.15);
    evaluator.add(near);
    expect(fired(feed(evaluator, [100.16], { start: T0 + 10_000 }))).toEqual([[near.id, 100.16]]);
    // And a removed one is not fired.
    const gone = rule('price_cross_down', 100.1);
    evaluator.add(gone);
    evaluator.remove(gone.id);
    expect(fired(feed(evaluator, [100.05], { start: T0 + 20_000 }))).toEqual([]);
  });

  it("fires a move rule when the window's low changes under a steady price", () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    const move = rule('move_up', 2, { windowMinutes: 5 });
    evaluator.add(move);
    // 100 for a minute, then 98 (the new low), then back to 100: +2.04 % from the low.
    feed(evaluator, [100, 100, 100], { stepMs: 20_000 });
    expect(fired(feed(evaluator, [98, 98.5, 99, 99.9], { start: T0 + MIN, stepMs: 1000 }))).toEqual([]);
    expect(fired(feed(evaluator, [100], { start: T0 + MIN + 10_000 }))).toEqual([[move.id, 100]]);
  });

  it('fires on a random walk exactly where a plain scan of every rule finds the first crossing', () => {
    const evaluator = new AlertEvaluator(alwaysOpen);
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rules = Array.from({ length: 300 }, () =>
      rule(
        random() < 0.5 ? 'price_cross_up' : 'price_cross_down',
        Math.round((95 + random() * 10) * 100) / 100,
      ),
    );
    for (const r of rules) evaluator.add(r);
    const prices = [100];
    for (let i = 0; i < 3000; i++) {
      const step = Math.round((random() - 0.5) * 20) / 100;
      prices.push(Math.round(((prices.at(-1) as number) + step) * 100) / 100);
    }
    const expected = rules.flatMap((r) => {
      const at = prices.findIndex((price, i) => {
        const previous = prices[i - 1];
        if (i === 0 || previous === undefined) return false;
        return r.kind === 'price_cross_up'
          ? previous < r.threshold && price >= r.threshold
          : previous > r.threshold && price <= r.threshold;
      });
      return at === -1 ? [] : [[r.id, prices[at], at]];
    });
    const decisions = feed(evaluator, prices);
    const actual = decisions.flatMap((d) =>
      d.type === 'fire' ? [[d.rule.id, d.price, (d.time - T0) / 1000]] : [],
    );
    const byId = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(actual.sort(byId)).toEqual(expected.sort(byId));
    expect(expected.length).toBeGreaterThan(100);
  });
});

describe('the price band', () => {
  it('decides exactly what moving every measure on every tick decides, through adds, removals, primes and stored minutes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const banded = new AlertEvaluator(alwaysOpen);
    const plain = new AlertEvaluator(alwaysOpen, { priceBand: false });
    const symbols = ['AAPL', 'MSFT', 'BTC'];
    const kinds: SymbolAlertKind[] = [
      'price_cross_up',
      'price_cross_down',
      'price_cross',
      'day_change_up',
      'day_change_down',
      'move_up',
      'move_down',
    ];
    const makeRule = (): AlertRuleState => {
      const kind = kinds[Math.floor(random() * kinds.length)] as SymbolAlertKind;
      const isPrice = kind.startsWith('price_');
      return rule(kind, Math.round((isPrice ? 97 + random() * 6 : 0.2 + random() * 2.5) * 100) / 100, {
        symbol: symbols[Math.floor(random() * symbols.length)] as string,
        windowMinutes: kind.startsWith('move_') ? ([1, 2, 5][Math.floor(random() * 3)] ?? 1) : null,
        frequency: random() < 0.6 ? 'rearm' : 'once',
        hysteresisPercent: 0.1,
        cooldownMinutes: random() < 0.5 ? 0 : 1,
      });
    };
    // Each evaluator keeps (and changes) its own copy of a rule's state.
    const both = (r: AlertRuleState) => {
      banded.add({ ...r, recentFirings: [...r.recentFirings] });
      plain.add({ ...r, recentFirings: [...r.recentFirings] });
    };
    for (let i = 0; i < 120; i++) both(makeRule());
    const ids = () => plain.ids().sort();
    const prices = new Map(symbols.map((symbol) => [symbol, 100]));
    let time = T0;
    let previousClose: number | null = 100;
    const describe = (decisions: AlertDecision[]) =>
      decisions.map((d) =>
        d.type === 'fire'
          ? [d.type, d.rule.id, d.occurrence, d.price, d.time, d.value, d.reference]
          : [d.type, d.rule.id],
      );
    let decided = 0;
    for (let tick = 0; tick < 20_000; tick++) {
      const symbol = symbols[Math.floor(random() * symbols.length)] as string;
      const step = random() < 0.02 ? (random() - 0.5) * 4 : (random() - 0.5) * 0.2;
      const price = Math.max(1, Math.round(((prices.get(symbol) as number) + step) * 100) / 100);
      prices.set(symbol, price);
      time += Math.floor(random() * 400);
      const roll = random();
      if (roll < 0.002) both(makeRule());
      else if (roll < 0.004) {
        const id = ids()[Math.floor(random() * ids().length)];
        if (id) {
          banded.remove(id);
          plain.remove(id);
        }
      } else if (roll < 0.005) {
        banded.prime(symbol, price + 0.5, previousClose, { replace: true });
        plain.prime(symbol, price + 0.5, previousClose, { replace: true });
      } else if (roll < 0.006) {
        banded.recordMinute(symbol, time - 2 * MIN, price - 1, price + 1);
        plain.recordMinute(symbol, time - 2 * MIN, price - 1, price + 1);
      } else if (roll < 0.007) previousClose = previousClose === null ? 99 + random() * 2 : null;
      else if (roll < 0.01) {
        const probe = makeRule();
        expect(banded.isPastThreshold(probe)).toBe(plain.isPastThreshold(probe));
        expect(banded.lastPrice(probe.symbol)).toBe(plain.lastPrice(probe.symbol));
      }
      const fromBanded = describe(banded.evaluate(symbol, price, time, previousClose));
      expect(fromBanded).toEqual(describe(plain.evaluate(symbol, price, time, previousClose)));
      decided += fromBanded.length;
    }
    expect(banded.ids().sort()).toEqual(ids());
    // Not a comparison of two idle evaluators: rules fired and rearmed, and the band answered most ticks.
    expect(decided).toBeGreaterThan(200);
    expect(banded.ticksInBand).toBeGreaterThan(10_000);
    expect(plain.ticksInBand).toBe(0);
  });
});
