import { Decimal as DecimalJs } from 'decimal.js';

/**
 * The decimal arithmetic of every money and quantity figure (never floats): 0.1 + 0.2 is 0.3. Forty
 * significant digits keep divisions (an average cost, a share of the portfolio, a return) far more
 * precise than any figure is shown; rounding happens only for display, half to even (banker's
 * rounding), so halves do not drift a column of rounded figures up.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/** A decimal as the API sends it: plain notation (no exponent), trailing zeros dropped. */
export function decimalString(value: Decimal): string {
  const text = value.toFixed();
  return text === '-0' ? '0' : text;
}

/** A decimal rounded half to even to `places` decimals, in plain notation (for display and percentages). */
export function roundedString(value: Decimal, places: number): string {
  const text = value.toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN).toFixed(places);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}
