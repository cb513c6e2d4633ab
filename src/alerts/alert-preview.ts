import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { loadBars } from '../history/history.repository.js';
import type { Bar } from '../market/kernel/instruments.js';
import { DAY_MS } from '../market/kernel/periods.js';
import { normalizeSymbol } from '../market/kernel/symbols.js';
import type { PriceHub } from '../prices/price-hub.js';
import {
  type AlertCalendar,
  AlertEvaluator,
  type AlertRuleState,
  startsPastThreshold,
} from './alert-evaluator.js';
import {
  type AlertPreview,
  type AlertRuleInput,
  isPositionKind,
  type SymbolAlertKind,
} from './alerts.schemas.js';
import { breakEvenOf, type HoldingsReader } from './holding-figures.js';

const LOOKBACK_MS = 30 * DAY_MS;

/**
 * "Would it have fired?": replays the last 30 days of a symbol's stored bars through the same
 * evaluator the live rules use. Each bar is walked open, nearer extreme, farther extreme, close
 * (the path that crosses least), so a firing counted here is one the market certainly made.
 */
export class AlertPreviewer {
  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly clock: Clock,
    private readonly calendar: AlertCalendar,
    private readonly holdings: HoldingsReader,
  ) {}

  /**
   * A position rule replays the symbol's prices at the level its holding derives now; a portfolio
   * rule has no stored history of its own to replay (no backtest: an empty answer).
   */
  async preview(userId: string, input: AlertRuleInput): Promise<AlertPreview> {
    if (input.kind === 'portfolio_day_move' || input.symbol === undefined) {
      return {
        count: 0,
        firings: [],
        from: null,
        to: null,
        resolution: null,
        currentPrice: null,
        pastThreshold: false,
      };
    }
    const kind = input.kind;
    const symbol = normalizeSymbol(input.symbol);
    if (!symbol) throw new AppError('invalid_symbol');
    const breakEven = isPositionKind(kind) ? breakEvenOf(await this.holdings(userId), symbol) : null;
    if (isPositionKind(kind) && breakEven === null) {
      throw new AppError('validation_error', undefined, {
        symbol: [`You hold no ${symbol}: a position alert is on a holding.`],
      });
    }
    const known = await this.hub.getQuote(symbol);
    if (!known)
      throw new AppError('unknown_symbol', `No stock or instrument with the symbol ${symbol} was found.`);

    const now = this.clock.now();
    const from = now - LOOKBACK_MS;
    let resolution: '1m' | '1d' = '1m';
    let bars = await loadBars(this.db, symbol, '1m', from);
    if (bars.length === 0) {
      resolution = '1d';
      bars = await loadBars(this.db, symbol, '1d', from);
    }

    const rule = ruleOf(symbol, kind, breakEven, input);
    const replay = new AlertEvaluator(this.calendar);
    replay.add(rule);
    const firings: AlertPreview['firings'] = [];
    const barMs = resolution === '1m' ? 60_000 : DAY_MS;
    let previousClose: number | null = null;
    let dayClose: number | null = null;
    let day = '';
    for (const bar of bars) {
      const barDay = this.calendar.tradingDay(symbol, bar.time);
      if (resolution === '1d') previousClose = dayClose;
      else if (barDay !== day) previousClose = dayClose ?? previousClose;
      day = barDay;
      pathOf(bar).forEach((price, step) => {
        const time = bar.time + (step * barMs) / 4;
        for (const decision of replay.evaluate(symbol, price, time, previousClose)) {
          if (decision.type === 'fire') firings.push({ time: new Date(time).toISOString(), price });
        }
      });
      dayClose = bar.close;
    }

    const first = bars[0];
    const last = bars.at(-1);
    return {
      count: firings.length,
      firings,
      from: first ? new Date(first.time).toISOString() : null,
      to: last ? new Date(last.time + barMs).toISOString() : null,
      resolution: first ? resolution : null,
      currentPrice: known.quote.price,
      pastThreshold: startsPastThreshold(rule, known.quote.price, known.quote.previousClose),
    };
  }
}

/** The bar as prices in time order: open, the extreme nearer the open, the other, close. */
function pathOf(bar: Bar): number[] {
  const lowFirst = bar.open - bar.low <= bar.high - bar.open;
  return lowFirst ? [bar.open, bar.low, bar.high, bar.close] : [bar.open, bar.high, bar.low, bar.close];
}

function ruleOf(
  symbol: string,
  kind: SymbolAlertKind,
  breakEven: number | null,
  input: AlertRuleInput,
): AlertRuleState {
  return {
    id: 'preview',
    userId: 'preview',
    symbol,
    kind,
    threshold: input.threshold,
    windowMinutes: input.windowMinutes ?? null,
    breakEven,
    frequency: input.frequency,
    hysteresisPercent: input.hysteresisPercent,
    cooldownMinutes: input.cooldownMinutes,
    expiresAt: null,
    regularHoursOnly: input.regularHoursOnly,
    armed: true,
    fireCount: 0,
    lastFiredAt: null,
    recentFirings: [],
  };
}
