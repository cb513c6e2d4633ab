import { type Decimal, ZERO } from '../decimal.js';
import type { FxTable } from '../fx.js';
import { cashEffect, EXTERNAL_FLOW_TYPES, type LedgerTransaction, positionKey } from '../ledger.js';
import { addDays, dateOfDay, dayNumber } from './performance-window.js';
import { type PriceHistory, ScaledSum, scaledOf } from './price-history.js';

/**
 * The portfolio's value at the close of every day, in the base currency, from the ledger and the
 * stored daily closes (pure: no I/O).
 *
 * - A position (one symbol in one account) is valued at units x price x the day's rate from its
 *   currency (the currency of its first trade) to the base currency. Its price on a day is the
 *   nearest close at or before that day, unless one of its trades is more recent: a symbol without
 *   a close since it was bought is worth what it was bought at (a close on the trade's own day wins).
 * - Cash is kept per account in the account's currency: each transaction's `cashEffect` converted
 *   with its own `fxRate`, or the rate of its date; it is valued at the day's rate to the base currency.
 * - An amount whose rate is unknown (no forex close at or before that day, no `fxRate`) is left out
 *   rather than guessed.
 * - External flows are deposits (+) and withdrawals (-), gross of any fee on them (the fee is a cost,
 *   so it shows in the return), in the base currency at their day's rate.
 *
 * Exact: the holdings of a currency are summed as scaled integers (units x close, no rounding at
 * all), then made a Decimal once a day per currency, added to its cash and converted at the day's
 * rate; the only rounding before the answer's 2 decimals is decimal.js' 40 significant digits in that
 * conversion (an inverted or cross rate is a quotient) and in the ledger's own arithmetic (a split's
 * units, its price).
 */

export interface ValuePoint {
  /** YYYY-MM-DD. */
  readonly date: string;
  /** The value at the day's close, in the base currency. */
  readonly value: Decimal;
  /** Deposits less withdrawals that day, in the base currency. */
  readonly netFlow: Decimal;
}

export interface ValueSeries {
  /** The value at the close of the day before the first point: where returns start from. */
  readonly start: Decimal;
  /** One point per calendar day (weekends included, valued at the latest close). */
  readonly points: ValuePoint[];
}

export interface ValueSeriesInput {
  /** In ledger order (`inLedgerOrder`). */
  readonly transactions: readonly LedgerTransaction[];
  /** Each account's currency, by account id. */
  readonly accountCurrencies: ReadonlyMap<string, string>;
  /**
   * Daily closes per symbol, oldest first: from the latest one before the series' first day on
   * (earlier ones are never read).
   */
  readonly closes: ReadonlyMap<string, PriceHistory>;
  readonly fx: FxTable;
  readonly baseCurrency: string;
  /** First and last day of the series (YYYY-MM-DD); no points when `from` is after `to`. */
  readonly from: string;
  readonly to: string;
  /** Prices now, per symbol in its own currency: they value the last day (today) instead of its close. */
  readonly livePrices?: ReadonlyMap<string, Decimal>;
}

const NO_CLOSES: PriceHistory = { days: new Int32Array(0), closes: [], scale: 0 };

/** A scaled amount (see price-history.ts): `units` x 10^-`scale`. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

/**
 * One symbol in one currency, over every account: its units (a Decimal, replayed from the ledger)
 * and where its price comes from; valued in scaled form, the units made scaled when they change.
 */
class Instrument {
  units = ZERO;
  private scaledUnits: Scaled = { units: 0n, scale: 0 };
  private unitsChanged = false;
  /** Units or the trade price changed since the last valuation. */
  private stale = false;
  /** Units x price at the last valuation (`worthScale` decimals), in the instrument's currency. */
  private worth = 0n;
  private worthScale = 0;
  private cursor = -1;
  /** The last trade's price (after any split since), scaled when first needed. */
  private tradePrice: Decimal | null = null;
  private scaledTradePrice: Scaled | null = null;
  private tradeDay = Number.NEGATIVE_INFINITY;
  private splitDay = Number.NaN;

  constructor(
    readonly symbol: string,
    readonly currency: string,
    /** The sum of the holdings in the instrument's currency, which its worth is part of. */
    readonly holdings: ScaledSum,
    private readonly history: PriceHistory,
  ) {}

  setUnits(units: Decimal): void {
    this.units = units;
    this.unitsChanged = true;
    this.stale = true;
  }

  /** Moves to `day`'s close, and values the holding again when that, its units or its trade price changed. */
  valueOn(day: number): void {
    if (this.advance(day) ? !this.units.isZero() || this.worth !== 0n : this.stale) this.revalue();
  }

  /** Moves to the latest close at or before `day`; answers whether that changed the close. */
  private advance(day: number): boolean {
    const { days } = this.history;
    let moved = false;
    while (this.cursor + 1 < days.length && (days[this.cursor + 1] as number) <= day) {
      this.cursor++;
      moved = true;
    }
    return moved;
  }

  traded(price: Decimal, day: number): void {
    this.tradePrice = price;
    this.scaledTradePrice = null;
    this.tradeDay = day;
    this.stale = true;
  }

  /**
   * A split makes the last trade's price the new units' price; once per date, as each account
   * holding the symbol records the same split.
   */
  split(day: number, to: Decimal, from: Decimal): void {
    if (this.splitDay === day || this.tradePrice === null) return;
    this.splitDay = day;
    this.tradePrice = this.tradePrice.times(from).dividedBy(to);
    this.scaledTradePrice = null;
    this.stale = true;
  }

  /** Values the holding again and moves its currency's sum by the difference. */
  private revalue(): void {
    this.stale = false;
    const units = this.unitsScaled();
    let worth = 0n;
    let scale = 0;
    const { days, closes, scale: closeScale } = this.history;
    // Nothing held is worth nothing, whatever its price.
    if (units.units !== 0n && this.cursor >= 0 && (days[this.cursor] as number) >= this.tradeDay) {
      worth = units.units * (closes[this.cursor] as bigint);
      scale = units.scale + closeScale;
    } else if (units.units !== 0n && this.tradePrice !== null) {
      const trade = this.tradePriceScaled(this.tradePrice);
      worth = units.units * trade.units;
      scale = units.scale + trade.scale;
    }
    if (scale === this.worthScale) this.holdings.add(worth - this.worth, scale);
    else {
      this.holdings.add(-this.worth, this.worthScale);
      this.holdings.add(worth, scale);
    }
    this.worth = worth;
    this.worthScale = scale;
  }

  /**
   * Units x `price` when given, else the worth `revalue` found (the close or the last trade);
   * null when nothing is held.
   */
  worthAt(price: Scaled | undefined): Scaled | null {
    const units = this.unitsScaled();
    if (units.units === 0n) return null;
    if (price === undefined) return { units: this.worth, scale: this.worthScale };
    return { units: units.units * price.units, scale: units.scale + price.scale };
  }

  private tradePriceScaled(price: Decimal): Scaled {
    this.scaledTradePrice ??= scaledOf(price);
    return this.scaledTradePrice;
  }

  private unitsScaled(): Scaled {
    if (this.unitsChanged) {
      this.scaledUnits = scaledOf(this.units);
      this.unitsChanged = false;
    }
    return this.scaledUnits;
  }
}

interface Position {
  readonly instrument: Instrument;
  units: Decimal;
}

/** The ledger replayed up to a day: positions, cash per currency, and the day's flows. */
class Book {
  private readonly instruments: Instrument[] = [];
  private readonly instrumentsByKey = new Map<string, Instrument>();
  private readonly positions = new Map<string, Position>();
  /** Cash of all accounts, per account currency. */
  private readonly cash = new Map<string, Decimal>();
  /** Positions' value at their prices (exact, scaled), per currency, as of the last valuation. */
  private readonly holdings = new Map<string, ScaledSum>();
  /**
   * The currencies of the cash and the holdings, in code order: the order they are converted and
   * added in every day (a sum of 40-digit products is the same every time).
   */
  private readonly currencies: string[] = [];
  /** Rates to the base currency on `ratesDate`, per currency (asked once a day, not once per use). */
  private readonly rates = new Map<string, Decimal | null>();
  private ratesDate = '';
  /** Live prices, scaled, per symbol: they value the day they are given for. */
  private readonly livePrices = new Map<string, Scaled>();
  private next = 0;

  constructor(private readonly input: ValueSeriesInput) {
    for (const [symbol, price] of input.livePrices ?? []) this.livePrices.set(symbol, scaledOf(price));
  }

  /** Applies the transactions dated up to `date`; answers their net external flow per account currency. */
  applyThrough(date: string): Map<string, Decimal> {
    const flows = new Map<string, Decimal>();
    const { transactions } = this.input;
    while (this.next < transactions.length && (transactions[this.next] as LedgerTransaction).date <= date) {
      this.apply(transactions[this.next] as LedgerTransaction, flows);
      this.next++;
    }
    return flows;
  }

  /**
   * The value at the close of `day` (`date`) in the base currency (at the live prices instead of
   * closes when `live`). Only the holdings whose units or close changed are valued again, and their
   * currency's sum moves by the difference: exact, since the sums are integers.
   */
  value(day: number, date: string, live = false): Decimal {
    for (const instrument of this.instruments) instrument.valueOn(day);
    const holdings = live ? this.liveHoldings() : this.holdings;
    let total = ZERO;
    for (const currency of this.currencies) {
      const held = holdings.get(currency);
      const amount = (held === undefined ? ZERO : held.toDecimal()).plus(this.cash.get(currency) ?? ZERO);
      if (amount.isZero()) continue;
      const rate = this.toBase(currency, date);
      if (rate !== null) total = total.plus(amount.times(rate));
    }
    return total;
  }

  /** Flows per account currency, in the base currency at `date`'s rates (in code order, as values are). */
  flowsInBase(flows: ReadonlyMap<string, Decimal>, date: string): Decimal {
    let total = ZERO;
    for (const currency of [...flows.keys()].sort()) {
      const rate = this.toBase(currency, date);
      if (rate !== null) total = total.plus((flows.get(currency) as Decimal).times(rate));
    }
    return total;
  }

  private toBase(currency: string, date: string): Decimal | null {
    if (date !== this.ratesDate) {
      this.rates.clear();
      this.ratesDate = date;
    }
    let rate = this.rates.get(currency);
    if (rate === undefined) {
      rate = this.input.fx.rate(currency, this.input.baseCurrency, date);
      this.rates.set(currency, rate);
    }
    return rate;
  }

  /** Every holding at its live price, or at what `revalue` found when it has none. */
  private liveHoldings(): Map<string, ScaledSum> {
    const holdings = new Map<string, ScaledSum>();
    for (const instrument of this.instruments) {
      const worth = instrument.worthAt(this.livePrices.get(instrument.symbol));
      if (worth === null) continue;
      let sum = holdings.get(instrument.currency);
      if (sum === undefined) {
        sum = new ScaledSum();
        holdings.set(instrument.currency, sum);
      }
      sum.add(worth.units, worth.scale);
    }
    return holdings;
  }

  private apply(tx: LedgerTransaction, flows: Map<string, Decimal>): void {
    const accountCurrency = this.input.accountCurrencies.get(tx.accountId) ?? tx.currency;
    const sameCurrency = tx.currency === accountCurrency;
    const toAccount = sameCurrency
      ? null
      : (tx.fxRate ?? this.input.fx.rate(tx.currency, accountCurrency, tx.date));
    if (sameCurrency || toAccount !== null) {
      // An amount in the account's own currency is not multiplied by 1 (a Decimal product saved).
      const effect = cashEffect(tx);
      if (!effect.isZero()) {
        const inAccount = toAccount === null ? effect : effect.times(toAccount);
        this.noteCurrency(accountCurrency);
        this.cash.set(accountCurrency, (this.cash.get(accountCurrency) ?? ZERO).plus(inAccount));
      }
      if (EXTERNAL_FLOW_TYPES.includes(tx.type)) {
        const amount = tx.amount ?? ZERO;
        const gross = toAccount === null ? amount : amount.times(toAccount);
        const signed = tx.type === 'deposit' ? gross : gross.negated();
        flows.set(accountCurrency, (flows.get(accountCurrency) ?? ZERO).plus(signed));
      }
    }
    if (tx.symbol === null) return;
    if (tx.type === 'buy' || tx.type === 'sell') {
      const position = this.position(tx.accountId, tx.symbol, tx.currency);
      const quantity = tx.quantity ?? ZERO;
      const change = tx.type === 'buy' ? quantity : quantity.negated();
      position.units = position.units.plus(change);
      position.instrument.setUnits(position.instrument.units.plus(change));
      if (tx.price !== null) position.instrument.traded(tx.price, dayNumber(tx.date));
    } else if (tx.type === 'split' && tx.split !== null) {
      const position = this.positions.get(positionKey(tx.accountId, tx.symbol));
      if (position === undefined) return;
      const units = position.units.times(tx.split.to).dividedBy(tx.split.from);
      position.instrument.setUnits(position.instrument.units.plus(units.minus(position.units)));
      position.units = units;
      position.instrument.split(dayNumber(tx.date), tx.split.to, tx.split.from);
    }
  }

  private noteCurrency(currency: string): void {
    if (this.currencies.includes(currency)) return;
    this.currencies.push(currency);
    this.currencies.sort();
  }

  private position(accountId: string, symbol: string, currency: string): Position {
    const key = positionKey(accountId, symbol);
    let position = this.positions.get(key);
    if (position === undefined) {
      const instrumentKey = `${symbol}\u0000${currency}`;
      let instrument = this.instrumentsByKey.get(instrumentKey);
      if (instrument === undefined) {
        let holdings = this.holdings.get(currency);
        if (holdings === undefined) {
          holdings = new ScaledSum();
          this.holdings.set(currency, holdings);
          this.noteCurrency(currency);
        }
        instrument = new Instrument(symbol, currency, holdings, this.input.closes.get(symbol) ?? NO_CLOSES);
        this.instrumentsByKey.set(instrumentKey, instrument);
        this.instruments.push(instrument);
      }
      position = { instrument, units: ZERO };
      this.positions.set(key, position);
    }
    return position;
  }
}

/** The value at each day's close from `from` to `to`, and at the close of the day before. */
export function valueSeries(input: ValueSeriesInput): ValueSeries {
  const book = new Book(input);
  const before = addDays(input.from, -1);
  book.applyThrough(before);
  const start = book.value(dayNumber(before), before);
  const points: ValuePoint[] = [];
  const last = dayNumber(input.to);
  for (let day = dayNumber(input.from); day <= last; day++) {
    const date = dateOfDay(day);
    const flows = book.applyThrough(date);
    const value = book.value(day, date, day === last && input.livePrices !== undefined);
    points.push({ date, value, netFlow: book.flowsInBase(flows, date) });
  }
  return { start, points };
}
