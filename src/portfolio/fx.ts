import { Decimal } from './decimal.js';

/**
 * Exchange rates from the market's forex symbols, kept as daily bars like any symbol
 * (`OANDA:EUR_USD` closes at the US dollars one euro buys). A day without a rate uses the nearest
 * earlier one; a pair quoted the other way round is inverted; two currencies without a pair of
 * their own go through the US dollar.
 */

/** One day's close of a symbol. */
export interface DailyClose {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly close: Decimal;
}

const PIVOT = 'USD';

/** The forex symbols whose closes give `currency`'s rate to the US dollar, either way round. */
export function fxPairSymbols(currency: string): string[] {
  if (currency === PIVOT) return [];
  return [`OANDA:${currency}_${PIVOT}`, `OANDA:${PIVOT}_${currency}`];
}

/** The latest close at or before `date` in closes sorted by date, if any. */
export function closeOn(closes: readonly DailyClose[], date: string): Decimal | null {
  let low = 0;
  let high = closes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((closes[middle] as DailyClose).date <= date) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? null : (closes[low - 1] as DailyClose).close;
}

export class FxTable {
  /** `closesBySymbol`: each forex symbol's daily closes, sorted by date. */
  constructor(private readonly closesBySymbol: ReadonlyMap<string, readonly DailyClose[]>) {}

  /** Units of `to` one unit of `from` bought on `date` (the nearest earlier rate), or null if none is known. */
  rate(from: string, to: string, date: string): Decimal | null {
    if (from === to) return new Decimal(1);
    const fromUsd = this.toPivot(from, date);
    const toUsd = this.toPivot(to, date);
    if (fromUsd === null || toUsd === null) return null;
    return fromUsd.dividedBy(toUsd);
  }

  /** US dollars one unit of `currency` bought on `date`. */
  private toPivot(currency: string, date: string): Decimal | null {
    if (currency === PIVOT) return new Decimal(1);
    const [direct, inverse] = fxPairSymbols(currency) as [string, string];
    const rate = closeOn(this.closesBySymbol.get(direct) ?? [], date);
    if (rate?.greaterThan(0)) return rate;
    const inverted = closeOn(this.closesBySymbol.get(inverse) ?? [], date);
    if (inverted?.greaterThan(0)) return new Decimal(1).dividedBy(inverted);
    return null;
  }
}
