import { Decimal, ZERO } from '../decimal.js';
import type { DailyClose, FxTable } from '../fx.js';
import { cashEffect, EXTERNAL_FLOW_TYPES, type LedgerTransaction, positionKey } from '../ledger.js';
import { addDays, dateOfDay, dayNumber } from './performance-window.js';

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
  /** Daily closes per symbol, oldest first. */
  readonly closes: ReadonlyMap<string, readonly DailyClose[]>;
  readonly fx: FxTable;
  readonly baseCurrency: string;
  /** First and last day of the series (YYYY-MM-DD); no points when `from` is after `to`. */
  readonly from: string;
  readonly to: string;
  /** Prices now, per symbol in its own currency: they value the last day (today) instead of its close. */
  readonly livePrices?: ReadonlyMap<string, Decimal>;
}

const NO_CLOSES: readonly DailyClose[] = [];

/** One symbol in one currency, over every account: its units and where its price comes from. */
class Instrument {
  units = ZERO;
  /** Units x price at the last valuation, in the instrument's currency. */
  worth = ZERO;
  private cursor = -1;
  private tradePrice: Decimal | null = null;
  private tradeDate = '';
  private splitDate = '';

  constructor(
    readonly symbol: string,
    readonly currency: string,
    private readonly closes: readonly DailyClose[],
  ) {}

  /** Moves to the latest close at or before `date`; answers whether that changed the close. */
  advance(date: string): boolean {
    let moved = false;
    while (
      this.cursor + 1 < this.closes.length &&
      (this.closes[this.cursor + 1] as DailyClose).date <= date
    ) {
      this.cursor++;
      moved = true;
    }
    return moved;
  }

  traded(price: Decimal, date: string): void {
    this.tradePrice = price;
    this.tradeDate = date;
  }

  /**
   * A split makes the last trade's price the new units' price; once per date, as each account
   * holding the symbol records the same split.
   */
  split(date: string, to: Decimal, from: Decimal): void {
    if (this.splitDate === date || this.tradePrice === null) return;
    this.splitDate = date;
    this.tradePrice = this.tradePrice.times(from).dividedBy(to);
  }

  /** The price after the last `advance`: the close, unless a trade is more recent; null if neither. */
  price(): Decimal | null {
    const close = this.cursor >= 0 ? (this.closes[this.cursor] as DailyClose) : undefined;
    if (close !== undefined && close.date >= this.tradeDate) return close.close;
    return this.tradePrice;
  }
}

/** Units x price (`price`, or the close or last trade); zero when nothing is held or no price is known. */
function worthOf(instrument: Instrument, price?: Decimal): Decimal {
  if (instrument.units.isZero()) return ZERO;
  const known = price ?? instrument.price();
  return known === null ? ZERO : instrument.units.times(known);
}

interface Position {
  readonly instrument: Instrument;
  units: Decimal;
}

/** The ledger replayed up to a day: positions, cash per currency, and the day's flows. */
class Book {
  private readonly instruments = new Map<string, Instrument>();
  private readonly positions = new Map<string, Position>();
  /** Cash of all accounts, per account currency. */
  private readonly cash = new Map<string, Decimal>();
  /** Positions' value at their prices, per currency, as of the last valuation. */
  private holdings = new Map<string, Decimal>();
  /** Instruments whose units or price changed since the last valuation. */
  private readonly changed = new Set<Instrument>();
  /** The last valuation was at live prices: the next one starts again from the closes. */
  private live = false;
  private next = 0;

  constructor(private readonly input: ValueSeriesInput) {}

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

  /** The value at `date`'s close in the base currency (at `prices` instead of closes when given). */
  value(date: string, prices?: ReadonlyMap<string, Decimal>): Decimal {
    for (const instrument of this.instruments.values()) {
      if (instrument.advance(date) && !instrument.units.isZero()) this.changed.add(instrument);
    }
    // A weekend day with a trade changes one holding: it is updated alone, not every holding again
    // (decimal arithmetic is the series' main cost).
    if (prices !== undefined || this.live || this.changed.size * 2 > this.instruments.size)
      this.revalue(prices);
    else this.update();
    this.changed.clear();
    this.live = prices !== undefined;
    let total = ZERO;
    for (const currency of new Set([...this.holdings.keys(), ...this.cash.keys()])) {
      const amount = (this.holdings.get(currency) ?? ZERO).plus(this.cash.get(currency) ?? ZERO);
      if (amount.isZero()) continue;
      const rate = this.input.fx.rate(currency, this.input.baseCurrency, date);
      if (rate !== null) total = total.plus(amount.times(rate));
    }
    return total;
  }

  /** Flows per account currency, in the base currency at `date`'s rates. */
  inBase(flows: ReadonlyMap<string, Decimal>, date: string): Decimal {
    let total = ZERO;
    for (const [currency, amount] of flows) {
      const rate = this.input.fx.rate(currency, this.input.baseCurrency, date);
      if (rate !== null) total = total.plus(amount.times(rate));
    }
    return total;
  }

  /** Values every holding again. */
  private revalue(prices: ReadonlyMap<string, Decimal> | undefined): void {
    const holdings = new Map<string, Decimal>();
    for (const instrument of this.instruments.values()) {
      instrument.worth = worthOf(instrument, prices?.get(instrument.symbol));
      if (instrument.worth.isZero()) continue;
      holdings.set(instrument.currency, (holdings.get(instrument.currency) ?? ZERO).plus(instrument.worth));
    }
    this.holdings = holdings;
  }

  /** Values again only the holdings that changed, and moves their currency's total by the difference. */
  private update(): void {
    for (const instrument of this.changed) {
      const worth = worthOf(instrument);
      const total = this.holdings.get(instrument.currency) ?? ZERO;
      this.holdings.set(instrument.currency, total.minus(instrument.worth).plus(worth));
      instrument.worth = worth;
    }
  }

  private apply(tx: LedgerTransaction, flows: Map<string, Decimal>): void {
    const accountCurrency = this.input.accountCurrencies.get(tx.accountId) ?? tx.currency;
    const toAccount =
      tx.currency === accountCurrency
        ? new Decimal(1)
        : (tx.fxRate ?? this.input.fx.rate(tx.currency, accountCurrency, tx.date));
    if (toAccount !== null) {
      const effect = cashEffect(tx);
      if (!effect.isZero()) {
        this.cash.set(
          accountCurrency,
          (this.cash.get(accountCurrency) ?? ZERO).plus(effect.times(toAccount)),
        );
      }
      if (EXTERNAL_FLOW_TYPES.includes(tx.type)) {
        const gross = (tx.amount ?? ZERO).times(toAccount);
        const signed = tx.type === 'deposit' ? gross : gross.negated();
        flows.set(accountCurrency, (flows.get(accountCurrency) ?? ZERO).plus(signed));
      }
    }
    if (tx.symbol === null) return;
    if (tx.type === 'buy' || tx.type === 'sell') {
      const position = this.position(tx.accountId, tx.symbol, tx.currency);
      const quantity = tx.quantity ?? ZERO;
      this.move(position, tx.type === 'buy' ? position.units.plus(quantity) : position.units.minus(quantity));
      if (tx.price !== null) position.instrument.traded(tx.price, tx.date);
    } else if (tx.type === 'split' && tx.split !== null) {
      const position = this.positions.get(positionKey(tx.accountId, tx.symbol));
      if (position === undefined) return;
      this.move(position, position.units.times(tx.split.to).dividedBy(tx.split.from));
      position.instrument.split(tx.date, tx.split.to, tx.split.from);
    }
  }

  private move(position: Position, units: Decimal): void {
    position.instrument.units = position.instrument.units.plus(units.minus(position.units));
    position.units = units;
    this.changed.add(position.instrument);
  }

  private position(accountId: string, symbol: string, currency: string): Position {
    const key = positionKey(accountId, symbol);
    let position = this.positions.get(key);
    if (position === undefined) {
      const instrumentKey = `${symbol}\u0000${currency}`;
      let instrument = this.instruments.get(instrumentKey);
      if (instrument === undefined) {
        instrument = new Instrument(symbol, currency, this.input.closes.get(symbol) ?? NO_CLOSES);
        this.instruments.set(instrumentKey, instrument);
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
  const start = book.value(before);
  const points: ValuePoint[] = [];
  const last = dayNumber(input.to);
  for (let day = dayNumber(input.from); day <= last; day++) {
    const date = dateOfDay(day);
    const flows = book.applyThrough(date);
    const value = book.value(date, day === last ? input.livePrices : undefined);
    points.push({ date, value, netFlow: book.inBase(flows, date) });
  }
  return { start, points };
}
