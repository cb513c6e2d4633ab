import type { SymbolAlertKind } from './alerts.schemas.js';

/** What the evaluator keeps of an active rule; its state fields change as it fires and rearms. */
export interface AlertRuleState {
  readonly id: string;
  readonly userId: string;
  readonly symbol: string;
  readonly kind: SymbolAlertKind;
  readonly threshold: number;
  readonly windowMinutes: number | null;
  /**
   * Position rules: the holding's cost per unit (cost basis / quantity, in the instrument's
   * currency), the price at which its unrealized P/L is 0; null for the other kinds. A position rule
   * is a price crossing at the level this derives (see `positionLevel`): a new one replaces the rule
   * when the holding changes.
   */
  readonly breakEven: number | null;
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
/** How much narrower than exact a price band is (relative): far above floating-point rounding. */
const BAND_MARGIN = 1e-9;
/** What a tick that decides nothing answers (never written to). */
const NOTHING: AlertDecision[] = [];

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
  /** Counts the changes to the levels: a bracket taken before a change no longer holds. */
  version = 0;

  /** `symbol` counts the changes to all of its levels (its price band no longer holds either). */
  constructor(private readonly symbol: { version: number }) {}

  private changed(): void {
    this.version++;
    this.symbol.version++;
  }

  get size(): number {
    return this.entries.length;
  }

  add(entry: LevelEntry): void {
    this.entries.splice(this.lowerBound(entry.level), 0, entry);
    this.changed();
  }

  /** Removes every entry of `rule`. */
  removeRule(rule: AlertRuleState): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]?.rule === rule) this.entries.splice(i, 1);
    }
    this.changed();
  }

  /** Removes the entries of `rule` in `role`. */
  removeRole(rule: AlertRuleState, role: LevelEntry['role']): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry?.rule === rule && entry.role === role) this.entries.splice(i, 1);
    }
    this.changed();
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

  /** The greatest level at or below `value` and the least level above it (infinite where there is none). */
  around(value: number): { below: number; above: number } {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.entries[middle] as LevelEntry).level <= value) low = middle + 1;
      else high = middle;
    }
    return {
      below: this.entries[low - 1]?.level ?? Number.NEGATIVE_INFINITY,
      above: this.entries[low]?.level ?? Number.POSITIVE_INFINITY,
    };
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
  readonly levels: SortedLevels;
  /**
   * The value at the last evaluated tick; NaN until there was one (always a double: V8 then
   * writes each new value into the field's own box instead of allocating one per tick).
   */
  last = Number.NaN;
  /**
   * The levels around `last`: the greatest at or below it and the least above it, as of
   * `levels.version` `bracketVersion`. A move that stays strictly between them passes no level, so
   * it crosses nothing (a level equal to `last` is not crossed by leaving it), and the bracket still
   * holds around the new value: most ticks cost two comparisons here, no search.
   */
  private below = Number.NaN;
  private above = Number.NaN;
  private bracketVersion = -1;

  constructor(symbol: { version: number }) {
    this.levels = new SortedLevels(symbol);
  }

  /** The bracket around `last` (NaN when it no longer holds). */
  get bracketBelow(): number {
    return this.bracketVersion === this.levels.version ? this.below : Number.NaN;
  }

  get bracketAbove(): number {
    return this.bracketVersion === this.levels.version ? this.above : Number.NaN;
  }

  /** Whether a move from `last` to `value` passes no level. */
  staysInBracket(value: number): boolean {
    return this.bracketVersion === this.levels.version && value > this.below && value < this.above;
  }

  /** Takes the bracket around `last` (after a move that passed levels, or changed them). */
  rebracket(): void {
    if (Number.isNaN(this.last)) return;
    const { below, above } = this.levels.around(this.last);
    this.below = below;
    this.above = above;
    this.bracketVersion = this.levels.version;
  }
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

  /** The lowest price of `minute` (recorded: the current one). */
  lowOf(minute: number): number {
    return this.lows[minute % (MAX_WINDOW + 1)] as number;
  }

  /** The highest price of `minute` (recorded: the current one). */
  highOf(minute: number): number {
    return this.highs[minute % (MAX_WINDOW + 1)] as number;
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
  readonly up: Measure;
  readonly down: Measure;
  private cachedMinute = -1;
  /** The lowest and highest price of the window's finished minutes, as of `cachedMinute`. */
  finishedLow = Number.POSITIVE_INFINITY;
  finishedHigh = Number.NEGATIVE_INFINITY;

  constructor(
    readonly minutes: number,
    symbol: { version: number },
  ) {
    this.up = new Measure(symbol);
    this.down = new Measure(symbol);
  }

  /** Works out the finished minutes' extremes once a minute. */
  refresh(ranges: MinuteRanges, minute: number): void {
    if (this.cachedMinute === minute) return;
    const finished = ranges.range(minute - this.minutes, minute - 1);
    this.finishedLow = finished.low;
    this.finishedHigh = finished.high;
    this.cachedMinute = minute;
  }
}

/** Where each of a symbol's hot doubles sits in `SymbolRules.hot`. */
const HOT = {
  bandLow: 0,
  bandHigh: 1,
  floor: 2,
  ceiling: 3,
  minuteLow: 4,
  minuteHigh: 5,
  lastTime: 6,
  lastPrice: 7,
  bandPreviousClose: 8,
} as const;

/**
 * Everything the evaluator keeps per symbol, and its price band: the prices between which a tick
 * passes no level of any of the symbol's measures and sets no new high or low of the minute. A tick
 * inside the band (most ticks) decides nothing and changes nothing but the symbol's last price, so
 * it is answered here, without touching each measure and move window: the measures' `last` values
 * lag behind until the next tick outside the band, or anything that reads or changes the levels,
 * brings them up to date (`catchUp`), exactly as if every tick had moved them.
 */
class SymbolRules {
  /** Counts changes to the symbol's levels and windows: a band taken before one no longer holds. */
  version = 0;
  readonly price = new Measure(this);
  readonly dayChange = new Measure(this);
  /**
   * The move windows with rules, a few at most: an array, walked by index, so a tick allocates no
   * iterator.
   */
  readonly moves: MoveWindow[] = [];
  readonly ranges = new MinuteRanges();
  /**
   * Every double a tick reads or writes (the band, the minute's extremes, the last tick), in one
   * typed array of 80 bytes: V8 keeps a double held in an object's field in a box of its own, so as
   * fields they would be eight objects (eight cache misses for a tick in the band, where the work
   * itself is a few comparisons); here they are two cache lines. `hot` is indexed by `HOT`.
   */
  private readonly hot = Float64Array.of(
    Number.NaN,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NaN,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    Number.NaN,
  );
  /** Whether ticks were answered by the band since the measures last moved. */
  lagging = false;
  /** What the band was taken with: it holds only while these are unchanged. */
  bandVersion = -1;
  bandMinute = -1;

  /** The band's open bounds from the levels (a hair narrower than exact). */
  get bandLow(): number {
    return this.hot[HOT.bandLow] as number;
  }
  set bandLow(value: number) {
    this.hot[HOT.bandLow] = value;
  }
  get bandHigh(): number {
    return this.hot[HOT.bandHigh] as number;
  }
  set bandHigh(value: number) {
    this.hot[HOT.bandHigh] = value;
  }

  /**
   * The highest low and the lowest high of the move windows with levels, inclusive: a price equal
   * to its window's low or high leaves the window's reference where it is (prices in cents revisit
   * them often), while the levels' part of the band is open and a hair narrower.
   */
  get floor(): number {
    return this.hot[HOT.floor] as number;
  }
  set floor(value: number) {
    this.hot[HOT.floor] = value;
  }
  get ceiling(): number {
    return this.hot[HOT.ceiling] as number;
  }
  set ceiling(value: number) {
    this.hot[HOT.ceiling] = value;
  }

  /**
   * With move rules, the band minute's lowest and highest price, the ticks the band answered
   * included: they are written to the minute ranges when the measures catch up, so a tick that sets
   * a new minute extreme without being its window's extreme stays inside the band (NaN without).
   */
  get minuteLow(): number {
    return this.hot[HOT.minuteLow] as number;
  }
  set minuteLow(value: number) {
    this.hot[HOT.minuteLow] = value;
  }
  get minuteHigh(): number {
    return this.hot[HOT.minuteHigh] as number;
  }
  set minuteHigh(value: number) {
    this.hot[HOT.minuteHigh] = value;
  }

  get lastTime(): number {
    return this.hot[HOT.lastTime] as number;
  }
  set lastTime(time: number) {
    this.hot[HOT.lastTime] = time;
  }

  /** The price of the last evaluated tick. */
  get lastPrice(): number {
    return this.hot[HOT.lastPrice] as number;
  }
  set lastPrice(price: number) {
    this.hot[HOT.lastPrice] = price;
  }

  /** The previous close the band was taken with (NaN in `hot` for none). */
  get bandPreviousClose(): number | null {
    const close = this.hot[HOT.bandPreviousClose] as number;
    return Number.isNaN(close) ? null : close;
  }
  set bandPreviousClose(close: number | null) {
    this.hot[HOT.bandPreviousClose] = close ?? Number.NaN;
  }

  moveWindow(minutes: number): MoveWindow {
    let window = this.moves.find((candidate) => candidate.minutes === minutes);
    if (!window) {
      window = new MoveWindow(minutes, this);
      this.moves.push(window);
      this.version++;
    }
    return window;
  }

  /** Whether a tick at `price` and `minute` (with this previous close) lies inside the band. */
  inBand(price: number, minute: number, previousClose: number | null): boolean {
    const { hot } = this;
    const bandClose = hot[HOT.bandPreviousClose] as number;
    return (
      price > (hot[HOT.bandLow] as number) &&
      price < (hot[HOT.bandHigh] as number) &&
      price >= (hot[HOT.floor] as number) &&
      price <= (hot[HOT.ceiling] as number) &&
      this.bandVersion === this.version &&
      (previousClose === null ? Number.isNaN(bandClose) : previousClose === bandClose) &&
      (minute === this.bandMinute || this.moves.length === 0)
    );
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
  /** Ticks answered by their symbol's price band (the benchmark reports the share). */
  ticksInBand = 0;

  /**
   * `priceBand: false` moves every measure on every tick instead of answering ticks inside a
   * symbol's price band: the same decisions, more work (what tests compare the band with).
   */
  constructor(
    private readonly calendar: AlertCalendar,
    private readonly options: { priceBand?: boolean } = {},
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Whether the symbol has move rules (its minute ranges are kept). */
  hasMoveRules(symbol: string): boolean {
    return (this.bySymbol.get(symbol)?.moves.length ?? 0) > 0;
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
  prime(symbol: string, price: number, previousClose: number | null, { replace = false } = {}): void {
    const rules = this.symbolRules(symbol);
    rules.version++;
    if (replace || Number.isNaN(rules.price.last)) rules.price.last = price;
    if (previousClose && (replace || Number.isNaN(rules.dayChange.last))) {
      rules.dayChange.last = percentChange(price, previousClose);
    }
  }

  /**
   * A past minute's range of a symbol (a stored 1-minute bar), so move windows span a restart or a
   * rule created after the move began.
   */
  recordMinute(symbol: string, time: number, low: number, high: number): void {
    const rules = this.symbolRules(symbol);
    const { ranges } = rules;
    rules.version++;
    const minute = Math.floor(time / MINUTE_MS);
    ranges.record(minute, low);
    ranges.record(minute, high);
  }

  /** Starts evaluating an active rule (its `armed` and firing history as stored). */
  add(rule: AlertRuleState): void {
    this.remove(rule.id);
    const rules = this.symbolRules(rule.symbol);
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
    this.catchUp(rules);
    const { measure } = this.placement(rules, rule);
    measure.levels.removeRule(rule);
    const index = rules.moves.findIndex((window) => window.minutes === rule.windowMinutes);
    const window = rules.moves[index];
    if (window && window.up.levels.size === 0 && window.down.levels.size === 0) rules.moves.splice(index, 1);
    return rule;
  }

  /** Whether the market is already past the rule's threshold, so it waits for it to come back. */
  isPastThreshold(
    rule: Pick<AlertRuleState, 'symbol' | 'kind' | 'threshold' | 'windowMinutes' | 'breakEven'>,
  ): boolean {
    const rules = this.bySymbol.get(rule.symbol);
    if (!rules) return false;
    this.catchUp(rules);
    const probe = rule as AlertRuleState;
    const { measure, level, direction } = this.placement(rules, probe);
    const value = measure.last;
    if (Number.isNaN(value)) return false;
    if (direction === 'up') return value >= level;
    if (direction === 'down') return value <= level;
    return false;
  }

  /** The price last evaluated for a symbol, if any. */
  lastPrice(symbol: string): number | undefined {
    const rules = this.bySymbol.get(symbol);
    if (!rules) return undefined;
    if (rules.lagging) return rules.lastPrice;
    return Number.isNaN(rules.price.last) ? undefined : rules.price.last;
  }

  /**
   * One tick: every measure of the symbol moves from its last value to the new one, and the rules
   * whose levels lie between the two are looked at. A tick older than the last evaluated one (a
   * late snapshot, a replayed trade) changes nothing.
   */
  evaluate(symbol: string, price: number, time: number, previousClose: number | null): AlertDecision[] {
    const rules = this.bySymbol.get(symbol);
    if (!rules || !(price > 0) || time < rules.lastTime) return NOTHING;
    rules.lastTime = time;
    const minute = Math.floor(time / MINUTE_MS);
    if (rules.inBand(price, minute, previousClose) && this.options.priceBand !== false) {
      rules.lastPrice = price;
      if (price < rules.minuteLow) rules.minuteLow = price;
      else if (price > rules.minuteHigh) rules.minuteHigh = price;
      rules.lagging = true;
      this.ticksInBand++;
      return NOTHING;
    }
    this.catchUp(rules);
    rules.lastPrice = price;
    // Most ticks decide nothing: the array is made only for a tick that does.
    let decisions: AlertDecision[] | undefined;
    decisions = this.move(rules.price, price, price, time, null, decisions);
    if (previousClose) {
      decisions = this.move(
        rules.dayChange,
        percentChange(price, previousClose),
        price,
        time,
        null,
        decisions,
      );
    }
    if (rules.moves.length > 0) {
      const { ranges } = rules;
      ranges.record(minute, price);
      const minuteLow = ranges.lowOf(minute);
      const minuteHigh = ranges.highOf(minute);
      for (let i = 0; i < rules.moves.length; i++) {
        const window = rules.moves[i] as MoveWindow;
        window.refresh(ranges, minute);
        const low = Math.min(window.finishedLow, minuteLow);
        const high = Math.max(window.finishedHigh, minuteHigh);
        decisions = this.move(window.up, percentChange(price, low), price, time, low, decisions);
        decisions = this.move(window.down, -percentChange(price, high), price, time, high, decisions);
      }
    }
    this.takeBand(rules, minute, previousClose);
    return decisions ?? NOTHING;
  }

  /** Moves a measure to `value`; answers `decisions` with what the levels it passed decided (made if needed). */
  private move(
    measure: Measure,
    value: number,
    price: number,
    time: number,
    reference: number | null,
    decisions: AlertDecision[] | undefined,
  ): AlertDecision[] | undefined {
    const previous = measure.last;
    if (measure.staysInBracket(value)) {
      measure.last = value;
      return decisions;
    }
    measure.last = value;
    let made = decisions;
    if (!Number.isNaN(previous) && previous !== value && measure.levels.size > 0) {
      const low = Math.min(previous, value);
      const high = Math.max(previous, value);
      for (const entry of measure.levels.between(low, high)) {
        if (!crosses(entry, previous, value)) continue;
        made ??= [];
        if (entry.role === 'rearm') this.rearm(entry.rule, made);
        else this.trigger(entry.rule, value, price, time, reference, made);
      }
    }
    measure.rebracket();
    return made;
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
    const add = (at: number, direction: Direction) =>
      measure.levels.add({ level: at, rule, role: 'rearm', direction });
    if (rule.kind === 'position_gain' || rule.kind === 'position_loss') {
      // Percentage points of the P/L, turned into the price where the P/L is that much nearer 0.
      const back = positionLevel(rule.kind, rule.breakEven ?? 0, rule.threshold - h);
      add(back, rule.kind === 'position_gain' ? 'down' : 'up');
      return;
    }
    const isPrice = rule.kind.startsWith('price_');
    const below = isPrice ? level * (1 - h / 100) : level - h;
    const above = isPrice ? level * (1 + h / 100) : level + h;
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
      case 'position_gain':
        return {
          measure: rules.price,
          level: positionLevel(rule.kind, rule.breakEven ?? 0, rule.threshold),
          direction: 'up',
        };
      case 'position_loss':
        return {
          measure: rules.price,
          level: positionLevel(rule.kind, rule.breakEven ?? 0, rule.threshold),
          direction: 'down',
        };
    }
  }

  /** The symbol's rules, their measures up to date (made if there were none). */
  private symbolRules(symbol: string): SymbolRules {
    let rules = this.bySymbol.get(symbol);
    if (!rules) {
      rules = new SymbolRules();
      this.bySymbol.set(symbol, rules);
    }
    this.catchUp(rules);
    return rules;
  }

  /**
   * Brings the measures to the last price after ticks the band answered: the values each would
   * have taken (nothing they were compared with has changed since the band was taken).
   */
  private catchUp(rules: SymbolRules): void {
    if (!rules.lagging) return;
    rules.lagging = false;
    const price = rules.lastPrice;
    rules.price.last = price;
    if (rules.bandPreviousClose) rules.dayChange.last = percentChange(price, rules.bandPreviousClose);
    if (rules.moves.length === 0) return;
    const { ranges, bandMinute } = rules;
    if (!Number.isNaN(rules.minuteLow)) {
      ranges.record(bandMinute, rules.minuteLow);
      ranges.record(bandMinute, rules.minuteHigh);
    }
    const minuteLow = ranges.lowOf(bandMinute);
    const minuteHigh = ranges.highOf(bandMinute);
    for (let i = 0; i < rules.moves.length; i++) {
      const window = rules.moves[i] as MoveWindow;
      window.up.last = percentChange(price, Math.min(window.finishedLow, minuteLow));
      window.down.last = -percentChange(price, Math.max(window.finishedHigh, minuteHigh));
    }
  }

  /**
   * The prices around the last one within which no measure of the symbol passes a level (each
   * measure's bracket, turned into prices) and no move window with levels gets a new low (its move
   * up's reference) or high (its move down's); a hair narrower than exact, so rounding can only send
   * a tick the long way, never skip a level.
   */
  private takeBand(rules: SymbolRules, minute: number, previousClose: number | null): void {
    // Each measure's bracket as prices: a day change or a move up rises with the price from its
    // reference (previous close, window low); a move down rises as the price falls from the high.
    let low = rules.price.bracketBelow;
    let high = rules.price.bracketAbove;
    let floor = Number.NEGATIVE_INFINITY;
    let ceiling = Number.POSITIVE_INFINITY;
    const { dayChange } = rules;
    if (previousClose && dayChange.levels.size > 0) {
      low = Math.max(low, previousClose * (1 + dayChange.bracketBelow / 100));
      high = Math.min(high, previousClose * (1 + dayChange.bracketAbove / 100));
    }
    if (rules.moves.length > 0) {
      const minuteLow = rules.ranges.lowOf(minute);
      const minuteHigh = rules.ranges.highOf(minute);
      rules.minuteLow = minuteLow;
      rules.minuteHigh = minuteHigh;
      for (let i = 0; i < rules.moves.length; i++) {
        const { up, down, finishedLow, finishedHigh } = rules.moves[i] as MoveWindow;
        const windowLow = Math.min(finishedLow, minuteLow);
        const windowHigh = Math.max(finishedHigh, minuteHigh);
        if (up.levels.size > 0) {
          floor = Math.max(floor, windowLow);
          low = Math.max(low, windowLow * (1 + up.bracketBelow / 100));
          high = Math.min(high, windowLow * (1 + up.bracketAbove / 100));
        }
        if (down.levels.size > 0) {
          low = Math.max(low, windowHigh * (1 - down.bracketAbove / 100));
          ceiling = Math.min(ceiling, windowHigh);
          high = Math.min(high, windowHigh * (1 - down.bracketBelow / 100));
        }
      }
    } else {
      rules.minuteLow = Number.NaN;
      rules.minuteHigh = Number.NaN;
    }
    rules.bandLow = Number.isFinite(low) ? low + Math.abs(low) * BAND_MARGIN : low;
    rules.bandHigh = Number.isFinite(high) ? high - Math.abs(high) * BAND_MARGIN : high;
    rules.floor = floor;
    rules.ceiling = ceiling;
    rules.bandVersion = rules.version;
    rules.bandMinute = minute;
    rules.bandPreviousClose = previousClose;
  }
}

/**
 * Whether a new rule is already past its threshold at this price (so it waits for the market to
 * come back and cross): what `isPastThreshold` says of a rule on a symbol primed with this quote,
 * without an evaluator. Either-way crossings and move windows (0 % at the start) never are.
 */
export function startsPastThreshold(
  rule: Pick<AlertRuleState, 'kind' | 'threshold' | 'breakEven'>,
  price: number,
  previousClose: number | null,
): boolean {
  switch (rule.kind) {
    case 'position_gain':
      return rule.breakEven !== null && price >= positionLevel(rule.kind, rule.breakEven, rule.threshold);
    case 'position_loss':
      return rule.breakEven !== null && price <= positionLevel(rule.kind, rule.breakEven, rule.threshold);
    case 'price_cross_up':
      return price >= rule.threshold;
    case 'price_cross_down':
      return price <= rule.threshold;
    case 'day_change_up':
      return previousClose ? percentChange(price, previousClose) >= rule.threshold : false;
    case 'day_change_down':
      return previousClose ? percentChange(price, previousClose) <= -rule.threshold : false;
    default:
      return false;
  }
}

/**
 * The price at which a holding's unrealized P/L reaches +`percent` % (`position_gain`) or
 * -`percent` % (`position_loss`): (price x quantity - cost) / cost x 100 = X exactly when price =
 * cost / quantity x (1 + X/100), so the rule is a price crossing at this level.
 */
export function positionLevel(
  kind: 'position_gain' | 'position_loss',
  breakEven: number,
  percent: number,
): number {
  return breakEven * (kind === 'position_gain' ? 1 + percent / 100 : 1 - percent / 100);
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
