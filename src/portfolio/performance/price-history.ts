import { Decimal } from '../decimal.js';

/**
 * Exact decimals as scaled integers (native BigInt): `units` counts 10^-`scale`, so 101.25 is 10125
 * at scale 2. The value series multiplies and sums these instead of decimal.js objects: a BigInt
 * product of two small integers costs a fraction of a Decimal one, and nothing is rounded.
 */

const POWERS_OF_TEN: bigint[] = [1n];

/** 10^`exponent` as a BigInt (cached: scales are small and few). */
function powerOfTen(exponent: number): bigint {
  for (let i = POWERS_OF_TEN.length; i <= exponent; i++)
    POWERS_OF_TEN.push((POWERS_OF_TEN[i - 1] as bigint) * 10n);
  return POWERS_OF_TEN[exponent] as bigint;
}

/**
 * The digits and scale of a decimal spelled in plain or exponent notation ("101.25", "1e-7",
 * "1.5e+21", what `String(number)` and `Decimal#toFixed` write): "101.25" is ["10125", 2].
 */
function digitsAndScale(text: string): [digits: string, scale: number] {
  const e = text.search(/e/i);
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  const scale = (point < 0 ? 0 : mantissa.length - point - 1) - exponent;
  return scale >= 0 ? [digits, scale] : [digits + '0'.repeat(-scale), 0];
}

/** A decimal's exact scaled form: its units and its scale (the digits after the point). */
export function scaledOf(value: Decimal): { units: bigint; scale: number } {
  const [digits, scale] = digitsAndScale(value.toFixed());
  return { units: BigInt(digits), scale };
}

/** The Decimal of `units` x 10^-`scale` (exact: a Decimal is not rounded when it is made). */
export function decimalOf(units: bigint, scale: number): Decimal {
  return new Decimal(scale === 0 ? units.toString() : `${units}e-${scale}`);
}

/**
 * A symbol's daily closes, oldest first: `days[i]` (days since 1970-01-01, UTC) closed at
 * `closes[i]` x 10^-`scale`, one scale for the whole symbol (its closes' most decimals).
 */
export interface PriceHistory {
  readonly days: Int32Array;
  readonly closes: readonly bigint[];
  readonly scale: number;
}

/**
 * A price history from day numbers (ascending) and each close's decimal spelling; a stored close is
 * a double, spelled as the shortest decimal that reads back as it (`String(number)`: 101.1 is
 * "101.1", not 101.099999999999994315658113919198513031005859375).
 */
export function priceHistory(days: readonly number[], texts: readonly string[]): PriceHistory {
  const parsed = texts.map(digitsAndScale);
  let scale = 0;
  for (const [, places] of parsed) if (places > scale) scale = places;
  const closes = parsed.map(([digits, places]) =>
    BigInt(places === scale ? digits : digits + '0'.repeat(scale - places)),
  );
  return { days: Int32Array.from(days), closes, scale };
}

/**
 * An exact running sum of scaled amounts; its scale grows to the finest amount added (the sum is
 * multiplied up then), so no amount is ever rounded.
 */
export class ScaledSum {
  units = 0n;
  scale = 0;

  add(units: bigint, scale: number): void {
    if (scale > this.scale) {
      this.units *= powerOfTen(scale - this.scale);
      this.scale = scale;
    }
    this.units += scale === this.scale ? units : units * powerOfTen(this.scale - scale);
  }

  toDecimal(): Decimal {
    return decimalOf(this.units, this.scale);
  }
}
