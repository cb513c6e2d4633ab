import type { AlertKind } from './alerts.schemas.js';

/** What the evaluator keeps of an active rule; its state fields change as it fires and rearms. */
export interface AlertRuleState {
  readonly id: string;
  readonly userId: string;
  readonly symbol: string;
  readonly kind: AlertKind;
  readonly threshold: number;
  readonly windowMinutes: number | null;
  readonly frequency: 'once' | 'rearm';
  readonly hysteresisPercent: number;
  readonly cooldownMinutes: number;
  /** Epoch ms; the rule does not fire at or after it. */
  readonly expiresAt: number | null;
  readonly regularHoursOnly: boolean;
  /**
   * False from a firing until the market came back past the threshold by the hysteresis (a rearm
   * rule then also waits out its cooldown, or the trading day for a day-change rule).
   */
  armed: boolean;
  fireCount: number;
  lastFiredAt: number | null;
  /** Firing times within the last hour, for the flood guard. */
  recentFirings: number[];
}

/** What a tick made of a rule. `occurrence` is the firing's number (the rule's `fireCount` after it). */
export type AlertDecision =
  | {
      type: 'fire';
      rule: AlertRuleState;
      occurrence: number;
      price: number;
      time: number;
      /** The measure that crossed: the price, the day change %, or the move % within the window. */
      value: number;
      /** For move rules: the window's lowest (move_up) or highest (move_down) price. */
      reference: number | null;
    }
  /** It would have fired an eleventh time within an hour: paused instead. */
  | { type: 'flooded'; rule: AlertRuleState; time: number }
  /** Back past the threshold by the hysteresis: the next crossing (after the cooldown) fires. */
  | { type: 'rearmed'; rule: AlertRuleState };

/** The market's calendar as the rules need it (passed in: tests and the backtest use their own). */
export interface AlertCalendar {
  /** Whether `time` is in `symbol`'s regular trading hours (true where the hours are not known). */
  inRegularHours(symbol: string, time: number): boolean;
  /** The trading day `time` belongs to in `symbol`'s market, as any string that changes once a day. */
  tradingDay(symbol: string, time: number): string;
}

export const FLOOD_LIMIT_PER_HOUR = 10;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** The longest move window; the minute ranges kept per symbol cover it. */
const MAX_WINDOW = 240;

type Direction = 'up' | 'down' | 'either';

/** A level a rule waits for on one measure: its threshold (`trigger`) or where it rearms (`rearm`). */
interface LevelEntry {
  level: number;
  rule: AlertRuleState;
  role: 'trigger' | 'rearm';
  /** For `trigger`: which crossing fires. For `rearm`: which crossing rearms. */
  direction: Direction;
}

/**
 * Levels of one measure, sorted, so a tick from v0 to v1 looks only at the levels between them:
 * the cost of a tick does not grow with the rules that do not fire.
 */
class SortedLevels {
  private readonly entries: LevelEntry[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(entry: LevelEntry): void {
    this.entries.splice(this.lowerBound(entry.level), 0, entry);
  }

  /** Removes every entry of `rule`. */
  removeRule(rule: AlertRuleState): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]?.rule === rule) this.entries.splice(i, 1);
    }
  }

  /** Removes the entries of `rule` in `role`. */
  removeRole(rule: AlertRuleState, role: LevelEntry['role']): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry?.rule === rule && entry.role === role) this.entries.splice(i, 1);
    }
  }

  /** The entries with `low <= level <= high`, lowest first. */
  between(low: number, high: number): LevelEntry[] {
    const found: LevelEntry[] = [];
    for (let i = this.lowerBound(low); i < this.entries.length; i++) {
      const entry = this.entries[i] as LevelEntry;
      if (entry.level > high) break;
      found.push(entry);
    }
    return found;
  }

  private lowerBound(level: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.entries[middle] as LevelEntry).level < level) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** One measure of a symbol (its price, its day change, a move within a window) and the levels on it. */
class Measure {
  readonly levels = new SortedLevels();
  /** The value at the last evaluated tick; undefined until there was one. */
  last: number | undefined;
}

/** The lowest and highest price of each of the last MAX_WINDOW minutes of one symbol. */
class MinuteRanges {
  private readonly minutes = new Float64Array(MAX_WINDOW + 1).fill(-1);
  private readonly lows = new Float64Array(MAX_WINDOW + 1);
  private readonly highs = new Float64Array(MAX_WINDOW + 1);

  record(minute: number, price: number): void {
    const slot = minute % (MAX_WINDOW + 1);
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.lows[slot] = price;
      this.highs[slot] = price;
      return;
    }
    if (price < (this.lows[slot] as number)) this.lows[slot] = price;
    if (price > (this.highs[slot] as number)) this.highs[slot] = price;
  }

  /** The lowest and highest price over the minutes `from`..`to` (inclusive) that had a price. */
  range(from: number, to: number): { low: number; high: number } {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let minute = Math.max(from, to - MAX_WINDOW); minute <= to; minute++) {
      const slot = minute % (MAX_WINDOW + 1);
      if (this.minutes[slot] !== minute) continue;
      low = Math.min(low, this.lows[slot] as number);
      high = Math.max(high, this.highs[slot] as number);
    }
    return { low, high };
  }
}

/**
 * A move window of one symbol: the move up (from the window's low) and the fall (from its high), in
 * percent. The lowest and highest of the window's finished minutes are worked out once a minute;
 * each tick only compares with the current minute's.
 */
class MoveWindow {
  readonly up = new Measure();
  readonly down = new Measure();
  private cachedMinute = -1;
  private finishedLow = Number.POSITIVE_INFINITY;
  private finishedHigh = Number.NEGATIVE_INFINITY;

  constructor(readonly minutes: number) {}

  extremes(ranges: MinuteRanges, minute: number): { low: number; high: number } {
    if (this.cachedMinute !== minute) {
      const finished = ranges.range(minute - this.minutes, minute - 1);
      this.finishedLow = finished.low;
      this.finishedHigh = finished.high;
      this.cachedMinute = minute;
    }
    const current = ranges.range(minute, minute);
    return { low: Math.min(this.finishedLow, current.low), high: Math.max(this.finishedHigh, current.high) };
  }
}

/** Everything the evaluator keeps per symbol. */
class SymbolRules {
  readonly price = new Measure();
  readonly dayChange = new Measure();
  readonly moves = new Map<number, MoveWindow>();
  readonly ranges = new MinuteRanges();
  readonly rules = new Set<AlertRuleState>();
  lastTime = Number.NEGATIVE_INFINITY;

  moveWindow(minutes: number): MoveWindow {
    let window = this.moves.get(minutes);
    if (!window) {
      window = new MoveWindow(minutes);
      this.moves.set(minutes, window);
    }
    return window;
  }
}

/**
 * Evaluates the active alert rules on every tick, in memory, with no I/O: the service stores what
 * it decides. A rule fires on a real crossing only (the measure was on the other side of the
 * threshold at the previous tick), so a rule created past its threshold waits for the market to
 * come back and cross, and a jump over the threshold (a gap, a reconnect, a restart: the previous
 * value then is the last stored quote) fires once, with the price that crossed.
 */
export class AlertEvaluator {
  private readonly bySymbol = new Map<string, SymbolRules>();
  private readonly byId = new Map<string, AlertRuleState>();

  constructor(private readonly calendar: AlertCalendar) {}

  get size(): number {
    return this.byId.size;
  }

  /** Whether the symbol has move rules (its minute ranges are kept). */
  hasMoveRules(symbol: string): boolean {
    return (this.bySymbol.get(symbol)?.moves.size ?? 0) > 0;
  }

  /** Whether any rule (or a primed price) is kept for the symbol: ticks of others are not looked at. */
  watches(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  /** The ids of every rule evaluated. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  get(ruleId: string): AlertRuleState | undefined {
    return this.byId.get(ruleId);
  }

  /**
   * The last known price of a symbol (a quote stored before a restart, marked stale): what the first
   * tick is compared with. It never fires anything itself.
   */
  prime(symbol: string, price: number, previousClose: number | null): void {
    const rules = this.symbolRules(symbol);
    if (rules.price.last === undefined) rules.price.last = price;
    if (rules.dayChange.last === undefined && previousClose) {
      rules.dayChange.last = percentChange(price, previousClose);
    }
  }

  /**
   * A past minute's range of a symbol (a stored 1-minute bar), so move windows span a restart or a
   * rule created after the move began.
   */
  recordMinute(symbol: string, time: number, low: number, high: number): void {
    const { ranges } = this.symbolRules(symbol);
    const minute = Math.floor(time / MINUTE_MS);
    ranges.record(minute, low);
    ranges.record(minute, high);
  }

  /** Starts evaluating an active rule (its `armed` and firing history as stored). */
  add(rule: AlertRuleState): void {
    this.remove(rule.id);
    const rules = this.symbolRules(rule.symbol);
    rules.rules.add(rule);
    this.byId.set(rule.id, rule);
    const { measure, level, direction } = this.placement(rules, rule);
    measure.levels.add({ level, rule, role: 'trigger', direction });
    if (!rule.armed) this.addRearmLevels(rule);
  }

  /** Stops evaluating a rule (deleted, paused, expired, fired for good); returns it if it was here. */
  remove(ruleId: string): AlertRuleState | undefined {
    const rule = this.byId.get(ruleId);
    if (!rule) return undefined;
    this.byId.delete(ruleId);
    const rules = this.bySymbol.get(rule.symbol);
    if (!rules) return rule;
    rules.rules.delete(rule);
    const { measure } = this.placement(rules, rule);
    measure.levels.removeRule(rule);
    const window = rule.windowMinutes === null ? undefined : rules.moves.get(rule.windowMinutes);
    if (window && window.up.levels.size === 0 && window.down.levels.size === 0)
      rules.moves.delete(window.minutes);
    return rule;
  }

  /** Whether the market is already past the rule's threshold, so it waits for it to come back. */
  isPastThreshold(rule: Pick<AlertRuleState, 'symbol' | 'kind' | 'threshold' | 'windowMinutes'>): boolean {
    const rules = this.bySymbol.get(rule.symbol);
    if (!rules) return false;
    const probe = rule as AlertRuleState;
    const { measure, level, direction } = this.placement(rules, probe);
    const value = measure.last;
    if (value === undefined) return false;
    if (direction === 'up') return value >= level;
    if (direction === 'down') return value <= level;
    return false;
  }

  /** The price last evaluated for a symbol, if any. */
  lastPrice(symbol: string): number | undefined {
    return this.bySymbol.get(symbol)?.price.last;
  }

  /**
   * One tick: every measure of the symbol moves from its last value to the new one, and the rules
   * whose levels lie between the two are looked at. A tick older than the last evaluated one (a
   * late snapshot, a replayed trade) changes nothing.
   */
  evaluate(symbol: string, price: number, time: number, previousClose: number | null): AlertDecision[] {
    const rules = this.bySymbol.get(symbol);
    if (!rules || !(price > 0) || time < rules.lastTime) return [];
    rules.lastTime = time;
    const decisions: AlertDecision[] = [];
    this.move(rules.price, price, price, time, null, decisions);
    if (previousClose) {
      this.move(rules.dayChange, percentChange(price, previousClose), price, time, null, decisions);
    }
    if (rules.moves.size > 0) {
      const minute = Math.floor(time / MINUTE_MS);
      rules.ranges.record(minute, price);
      for (const window of rules.moves.values()) {
        const { low, high } = window.extremes(rules.ranges, minute);
        this.move(window.up, percentChange(price, low), price, time, low, decisions);
        this.move(window.down, -percentChange(price, high), price, time, high, decisions);
      }
    }
    return decisions;
  }

  private move(
    measure: Measure,
    value: number,
    price: number,
    time: number,
    reference: number | null,
    decisions: AlertDecision[],
  ): void {
    const previous = measure.last;
    measure.last = value;
    if (previous === undefined || previous === value || measure.levels.size === 0) return;
    const low = Math.min(previous, value);
    const high = Math.max(previous, value);
    for (const entry of measure.levels.between(low, high)) {
      if (!crosses(entry, previous, value)) continue;
      if (entry.role === 'rearm') this.rearm(entry.rule, decisions);
      else this.trigger(entry.rule, value, price, time, reference, decisions);
    }
  }

  private rearm(rule: AlertRuleState, decisions: AlertDecision[]): void {
    if (rule.armed || !this.byId.has(rule.id)) return;
    rule.armed = true;
    this.removeRearmLevels(rule);
    decisions.push({ type: 'rearmed', rule });
  }

  private trigger(
    rule: AlertRuleState,
    value: number,
    price: number,
    time: number,
    reference: number | null,
    decisions: AlertDecision[],
  ): void {
    if (!this.byId.has(rule.id) || !this.isArmedAt(rule, time)) return;
    if (rule.expiresAt !== null && time >= rule.expiresAt) return;
    if (rule.regularHoursOnly && !this.calendar.inRegularHours(rule.symbol, time)) return;
    rule.recentFirings = rule.recentFirings.filter((fired) => fired > time - HOUR_MS);
    if (rule.recentFirings.length >= FLOOD_LIMIT_PER_HOUR) {
      this.remove(rule.id);
      decisions.push({ type: 'flooded', rule, time });
      return;
    }
    rule.fireCount += 1;
    rule.lastFiredAt = time;
    rule.recentFirings.push(time);
    rule.armed = false;
    decisions.push({ type: 'fire', rule, occurrence: rule.fireCount, price, time, value, reference });
    if (rule.frequency === 'once') {
      this.remove(rule.id);
    } else if (
      rule.kind === 'price_cross' &&
      Math.abs(value - rule.threshold) >= (rule.threshold * rule.hysteresisPercent) / 100
    ) {
      // It jumped past the threshold by more than the hysteresis: it is back already.
      rule.armed = true;
    } else {
      this.addRearmLevels(rule);
    }
  }

  /** Whether the next crossing fires `rule` at `time`. */
  isArmedAt(rule: AlertRuleState, time: number): boolean {
    if (!rule.armed) return false;
    if (rule.lastFiredAt === null) return true;
    if (rule.kind === 'day_change_up' || rule.kind === 'day_change_down') {
      return (
        this.calendar.tradingDay(rule.symbol, time) !==
        this.calendar.tradingDay(rule.symbol, rule.lastFiredAt)
      );
    }
    return time >= rule.lastFiredAt + rule.cooldownMinutes * MINUTE_MS;
  }

  /**
   * Where a disarmed rearm rule counts as back: past its threshold by the hysteresis, against the
   * way it fired (a percentage of the price for price rules, percentage points for the others).
   * `price_cross` fires either way, so it is back when the price is that far off on either side.
   */
  private addRearmLevels(rule: AlertRuleState): void {
    const rules = this.symbolRules(rule.symbol);
    const { measure, level } = this.placement(rules, rule);
    const h = rule.hysteresisPercent;
    const isPrice = rule.kind.startsWith('price_');
    const below = isPrice ? level * (1 - h / 100) : level - h;
    const above = isPrice ? level * (1 + h / 100) : level + h;
    const add = (at: number, direction: Direction) =>
      measure.levels.add({ level: at, rule, role: 'rearm', direction });
    switch (rule.kind) {
      case 'price_cross':
        add(below, 'down');
        add(above, 'up');
        break;
      case 'price_cross_down':
      case 'day_change_down':
        add(above, 'up');
        break;
      default:
        add(below, 'down');
    }
  }

  private removeRearmLevels(rule: AlertRuleState): void {
    const rules = this.bySymbol.get(rule.symbol);
    if (rules) this.placement(rules, rule).measure.levels.removeRole(rule, 'rearm');
  }

  /** The measure a rule watches, its level there and the crossing that fires it. */
  private placement(
    rules: SymbolRules,
    rule: AlertRuleState,
  ): { measure: Measure; level: number; direction: Direction } {
    switch (rule.kind) {
      case 'price_cross_up':
        return { measure: rules.price, level: rule.threshold, direction: 'up' };
      case 'price_cross_down':
        return { measure: rules.price, level: rule.threshold, direction: 'down' };
      case 'price_cross':
        return { measure: rules.price, level: rule.threshold, direction: 'either' };
      case 'day_change_up':
        return { measure: rules.dayChange, level: rule.threshold, direction: 'up' };
      case 'day_change_down':
        return { measure: rules.dayChange, level: -rule.threshold, direction: 'down' };
      case 'move_up':
        return {
          measure: rules.moveWindow(rule.windowMinutes ?? 1).up,
          level: rule.threshold,
          direction: 'up',
        };
      case 'move_down':
        return {
          measure: rules.moveWindow(rule.windowMinutes ?? 1).down,
          level: rule.threshold,
          direction: 'up',
        };
    }
  }

  private symbolRules(symbol: string): SymbolRules {
    let rules = this.bySymbol.get(symbol);
    if (!rules) {
      rules = new SymbolRules();
      this.bySymbol.set(symbol, rules);
    }
    return rules;
  }
}

function crosses(entry: LevelEntry, previous: number, value: number): boolean {
  const up = previous < entry.level && value >= entry.level;
  const down = previous > entry.level && value <= entry.level;
  if (entry.direction === 'up') return up;
  if (entry.direction === 'down') return down;
  return up || down;
}

function percentChange(price: number, base: number): number {
  return (price / base - 1) * 100;
}
