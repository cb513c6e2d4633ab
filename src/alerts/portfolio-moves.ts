/**
 * `portfolio_day_move` rules: each user's portfolio value kept up to date tick by tick, compared
 * with its value at the previous closes. Pure, no I/O, in doubles like the evaluator (the exact
 * figures come from the ledger as decimals; converting them to doubles for a threshold is fine).
 */

/** One holding of a tracked portfolio, in the base currency. */
export interface PortfolioHolding {
  readonly symbol: string;
  /** Quantity x the exchange rate to the base currency: what one unit of price moves the value by. */
  readonly weight: number;
  /** The price its value was taken at. */
  readonly price: number;
  /** The previous close the reference was taken with (null when the quote had none). */
  readonly previousClose: number | null;
  /** Its value at the previous close, less today's trades (what its day gain is measured from). */
  readonly reference: number;
}

/** A user's portfolio as the tracker starts from it (again after each change of the ledger). */
export interface PortfolioSnapshot {
  readonly baseCurrency: string;
  /** Value that does not move with prices: cash, and holdings without a price (at their cost). */
  readonly fixedValue: number;
  readonly holdings: readonly PortfolioHolding[];
}

type Direction = 'up' | 'down';

/** What the tracker keeps of an active `portfolio_day_move` rule; its state fields change as it fires. */
export interface PortfolioRuleState {
  readonly id: string;
  readonly userId: string;
  /** The move, in percent, either way. */
  readonly threshold: number;
  readonly frequency: 'once' | 'rearm';
  readonly hysteresisPercent: number;
  /** Epoch ms; the rule does not fire at or after it. */
  readonly expiresAt: number | null;
  readonly regularHoursOnly: boolean;
  fireCount: number;
  lastFiredAt: number | null;
  /**
   * Per direction: armed (false from a firing until the move came back by the hysteresis) and the
   * last firing, so each direction fires at most once per trading day.
   */
  readonly up: { armed: boolean; lastFiredAt: number | null };
  readonly down: { armed: boolean; lastFiredAt: number | null };
}

export type PortfolioDecision = {
  type: 'fire';
  rule: PortfolioRuleState;
  occurrence: number;
  direction: Direction;
  /** The portfolio's value in the base currency when it crossed. */
  value: number;
  /** The move against the previous closes, in percent (signed). */
  move: number;
  baseCurrency: string;
  time: number;
};

/** The calendar as portfolio rules need it (passed in). */
export interface PortfolioCalendar {
  /** The portfolio's trading day at `time` (any string that changes once a day). */
  tradingDay(time: number): string;
  /** Whether a tick of `symbol` at `time` is in its regular hours. */
  inRegularHours(symbol: string, time: number): boolean;
}

const NOTHING: PortfolioDecision[] = [];

interface TrackedHolding {
  weight: number;
  price: number;
  previousClose: number | null;
  reference: number;
  lastTime: number;
}

class Portfolio {
  readonly holdings = new Map<string, TrackedHolding>();
  readonly rules: PortfolioRuleState[] = [];
  baseCurrency = '';
  value = 0;
  reference = 0;
  /** The move at the last evaluated tick, percent; null while the reference is not positive. */
  move: number | null = null;

  load(snapshot: PortfolioSnapshot): void {
    this.holdings.clear();
    this.baseCurrency = snapshot.baseCurrency;
    this.value = snapshot.fixedValue;
    this.reference = snapshot.fixedValue;
    for (const holding of snapshot.holdings) {
      this.holdings.set(holding.symbol, {
        weight: holding.weight,
        price: holding.price,
        previousClose: holding.previousClose,
        reference: holding.reference,
        lastTime: Number.NEGATIVE_INFINITY,
      });
      this.value += holding.weight * holding.price;
      this.reference += holding.reference;
    }
    this.move = moveOf(this.value, this.reference);
  }
}

function moveOf(value: number, reference: number): number | null {
  return reference > 0 ? (value / reference - 1) * 100 : null;
}

/**
 * Tracks the portfolios of users with active portfolio rules. A tick of a symbol moves only the
 * portfolios holding it (value += weight x (new price - old price)), so ticks of symbols no tracked
 * portfolio holds cost one map lookup. A holding's reference rolls over when its quote brings a new
 * previous close (a new trading day: all of it was held at the open). A rule fires when the move
 * crosses +threshold (up) or -threshold (down), each direction at most once per trading day; a
 * change of the ledger (`load`) moves the figures without firing: only prices cross.
 */
export class PortfolioMoveTracker {
  private readonly portfolios = new Map<string, Portfolio>();
  private readonly bySymbol = new Map<string, Set<Portfolio>>();
  private readonly byId = new Map<string, PortfolioRuleState>();

  constructor(private readonly calendar: PortfolioCalendar) {}

  get size(): number {
    return this.byId.size;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  get(ruleId: string): PortfolioRuleState | undefined {
    return this.byId.get(ruleId);
  }

  /** Users with rules here (whose portfolio is to be loaded). */
  users(): string[] {
    return [...this.portfolios.keys()];
  }

  /** The user's move now, percent; null when the portfolio is not tracked or not loaded. */
  moveOf(userId: string): number | null {
    return this.portfolios.get(userId)?.move ?? null;
  }

  /** Starts evaluating a rule; its user's portfolio is tracked from `load`. */
  add(rule: PortfolioRuleState): void {
    this.remove(rule.id);
    let portfolio = this.portfolios.get(rule.userId);
    if (!portfolio) {
      portfolio = new Portfolio();
      this.portfolios.set(rule.userId, portfolio);
    }
    portfolio.rules.push(rule);
    this.byId.set(rule.id, rule);
  }

  /** Stops evaluating a rule (its user's portfolio too, with the last rule); returns it if it was here. */
  remove(ruleId: string): PortfolioRuleState | undefined {
    const rule = this.byId.get(ruleId);
    if (!rule) return undefined;
    this.byId.delete(ruleId);
    const portfolio = this.portfolios.get(rule.userId);
    if (!portfolio) return rule;
    portfolio.rules.splice(portfolio.rules.indexOf(rule), 1);
    if (portfolio.rules.length === 0) {
      this.unindex(portfolio);
      this.portfolios.delete(rule.userId);
    }
    return rule;
  }

  /** The user's portfolio as it is now (after a change of the ledger); nothing fires. */
  load(userId: string, snapshot: PortfolioSnapshot): void {
    const portfolio = this.portfolios.get(userId);
    if (!portfolio) return;
    this.unindex(portfolio);
    portfolio.load(snapshot);
    for (const symbol of portfolio.holdings.keys()) {
      let holders = this.bySymbol.get(symbol);
      if (!holders) {
        holders = new Set();
        this.bySymbol.set(symbol, holders);
      }
      holders.add(portfolio);
    }
  }

  /** One tick: the portfolios holding `symbol` move, and their rules look at the move. */
  evaluate(symbol: string, price: number, time: number, previousClose: number | null): PortfolioDecision[] {
    const holders = this.bySymbol.get(symbol);
    if (!holders || !(price > 0)) return NOTHING;
    let decisions: PortfolioDecision[] | undefined;
    for (const portfolio of holders) {
      const holding = portfolio.holdings.get(symbol) as TrackedHolding;
      if (time < holding.lastTime) continue;
      holding.lastTime = time;
      if (previousClose !== null && previousClose !== holding.previousClose) {
        const reference = holding.weight * previousClose;
        portfolio.reference += reference - holding.reference;
        holding.reference = reference;
        holding.previousClose = previousClose;
      }
      portfolio.value += holding.weight * (price - holding.price);
      holding.price = price;
      const before = portfolio.move;
      const move = moveOf(portfolio.value, portfolio.reference);
      portfolio.move = move;
      if (before === null || move === null || before === move) continue;
      for (const rule of [...portfolio.rules]) {
        const fired = this.look(rule, before, move, symbol, time, portfolio);
        if (!fired) continue;
        decisions ??= [];
        decisions.push(fired);
      }
    }
    return decisions ?? NOTHING;
  }

  /** Whether a crossing either way would fire `rule` at `time`. */
  isArmedAt(rule: PortfolioRuleState, time: number): boolean {
    return this.directionArmedAt(rule, 'up', time) || this.directionArmedAt(rule, 'down', time);
  }

  private directionArmedAt(rule: PortfolioRuleState, direction: Direction, time: number): boolean {
    const state = rule[direction];
    if (!state.armed) return false;
    return (
      state.lastFiredAt === null ||
      this.calendar.tradingDay(time) !== this.calendar.tradingDay(state.lastFiredAt)
    );
  }

  /**
   * A rule at a move from `before` to `move`: rearms a direction back by the hysteresis, and
   * fires a direction crossed. At most two firings a trading day, so the flood guard (more than 10
   * in an hour) cannot apply.
   */
  private look(
    rule: PortfolioRuleState,
    before: number,
    move: number,
    symbol: string,
    time: number,
    portfolio: Portfolio,
  ): PortfolioDecision | undefined {
    const x = rule.threshold;
    const back = x - rule.hysteresisPercent;
    if (!rule.up.armed && move <= back) rule.up.armed = true;
    if (!rule.down.armed && move >= -back) rule.down.armed = true;
    let direction: Direction | undefined;
    if (before < x && move >= x) direction = 'up';
    else if (before > -x && move <= -x) direction = 'down';
    if (!direction || !this.directionArmedAt(rule, direction, time)) return undefined;
    if (rule.expiresAt !== null && time >= rule.expiresAt) return undefined;
    if (rule.regularHoursOnly && !this.calendar.inRegularHours(symbol, time)) return undefined;
    rule.fireCount += 1;
    rule.lastFiredAt = time;
    rule[direction].armed = false;
    rule[direction].lastFiredAt = time;
    if (rule.frequency === 'once') this.remove(rule.id);
    return {
      type: 'fire',
      rule,
      occurrence: rule.fireCount,
      direction,
      value: portfolio.value,
      move,
      baseCurrency: portfolio.baseCurrency,
      time,
    };
  }

  private unindex(portfolio: Portfolio): void {
    for (const symbol of portfolio.holdings.keys()) {
      const holders = this.bySymbol.get(symbol);
      holders?.delete(portfolio);
      if (holders?.size === 0) this.bySymbol.delete(symbol);
    }
  }
}
