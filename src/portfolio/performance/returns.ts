import { Decimal } from '../decimal.js';
import { addDays, dayNumber } from './performance-window.js';
import type { ValueSeries } from './value-series.js';

/**
 * Time-weighted and money-weighted returns of a value series (pure: no I/O).
 *
 * Flows happen at the end of their day: a day's return is r = (V - F) / V_before - 1, where V is
 * the value at the day's close (the flow already in it), F the day's net external flow and
 * V_before the previous day's value. So money deposited on a day earns nothing that day, and a
 * withdrawal's money earned that day's return.
 */

export interface CashFlow {
  /** YYYY-MM-DD. */
  readonly date: string;
  /** From the investor's view: money put in is negative, money taken out (or still there at the end) positive. */
  readonly amount: Decimal;
}

/**
 * Time-weighted return over the series, not annualised: the daily returns chained,
 * prod(1 + r) - 1. A day after a zero value has no return (nothing was invested) and is skipped;
 * null when no day has one.
 */
export function timeWeightedReturn(series: ValueSeries): Decimal | null {
  let previous = series.start;
  let growth = new Decimal(1);
  let periods = 0;
  for (const point of series.points) {
    if (!previous.isZero()) {
      growth = growth.times(point.value.minus(point.netFlow).dividedBy(previous));
      periods++;
    }
    previous = point.value;
  }
  return periods === 0 ? null : growth.minus(1);
}

/**
 * The flows whose rate of return is the money-weighted return: the start value as money put in at
 * the close of the day before the series (none when it is zero: the range begins before the first
 * transaction), each deposit as money put in and each withdrawal as money taken out on its day, and
 * the value at the last close as money taken out.
 */
export function moneyWeightedFlows(series: ValueSeries): CashFlow[] {
  const first = series.points[0];
  const last = series.points.at(-1);
  if (first === undefined || last === undefined) return [];
  const flows: CashFlow[] = [];
  if (!series.start.isZero()) flows.push({ date: addDays(first.date, -1), amount: series.start.negated() });
  for (const point of series.points) {
    if (!point.netFlow.isZero()) flows.push({ date: point.date, amount: point.netFlow.negated() });
  }
  flows.push({ date: last.date, amount: last.value });
  return flows;
}

const DAYS_A_YEAR = 365;
/** Rates tried, in order, for a change of sign of the net present value when Newton's method fails. */
const BRACKETS = [-0.999999999, -0.99, -0.9, -0.5, 0, 0.5, 1, 2, 5, 10, 100, 1e3, 1e4, 1e6];

/**
 * XIRR: the annual rate r (actual/365) at which the flows' net present value,
 * sum(amount x (1 + r)^(-days / 365)), is zero; null when there is none (all flows of one sign,
 * all on one day, or no change of sign found between -100 % and 10^8 %).
 *
 * Found first in double precision (fast, and where a search may take a hundred evaluations):
 * Newton's method from 10 %, or, when it leaves the domain or does not settle, bisection over the
 * first of `BRACKETS`' intervals where the value changes sign. The double answer (within about
 * 1e-12) then takes a few Newton steps in 40-digit Decimal on the exact amounts, which brings it to
 * the precision of the amounts themselves; the answer is shown rounded to 0.01 %.
 */
export function xirr(flows: readonly CashFlow[]): Decimal | null {
  const moving = flows
    .filter((flow) => !flow.amount.isZero())
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  if (!moving.some((flow) => flow.amount.isNegative()) || !moving.some((flow) => flow.amount.isPositive()))
    return null;
  const origin = dayNumber((moving[0] as CashFlow).date);
  const days = moving.map((flow) => dayNumber(flow.date) - origin);
  if (days.at(-1) === 0) return null;
  const amounts = moving.map((flow) => flow.amount);
  const guess = solveInDouble(
    days,
    amounts.map((amount) => amount.toNumber()),
  );
  return guess === null ? null : polish(days, amounts, guess);
}

/** Net present value at `rate` and its derivative, in double precision. */
function npvDouble(days: readonly number[], amounts: readonly number[], rate: number): [number, number] {
  let value = 0;
  let slope = 0;
  for (let i = 0; i < days.length; i++) {
    const years = (days[i] as number) / DAYS_A_YEAR;
    const discounted = (amounts[i] as number) * (1 + rate) ** -years;
    value += discounted;
    slope -= (years * discounted) / (1 + rate);
  }
  return [value, slope];
}

function solveInDouble(days: readonly number[], amounts: readonly number[]): number | null {
  let rate = 0.1;
  for (let i = 0; i < 50; i++) {
    const [value, slope] = npvDouble(days, amounts, rate);
    const next = rate - value / slope;
    if (!Number.isFinite(next) || next <= -1) break;
    if (Math.abs(next - rate) < 1e-12) return next;
    rate = next;
  }
  for (let i = 0; i + 1 < BRACKETS.length; i++) {
    let low = BRACKETS[i] as number;
    let high = BRACKETS[i + 1] as number;
    const lowSign = Math.sign(npvDouble(days, amounts, low)[0]);
    if (lowSign === 0) return low;
    if (lowSign === Math.sign(npvDouble(days, amounts, high)[0])) continue;
    for (let step = 0; step < 200 && high - low > 1e-13 * Math.max(1, Math.abs(low)); step++) {
      const middle = (low + high) / 2;
      if (Math.sign(npvDouble(days, amounts, middle)[0]) === lowSign) low = middle;
      else high = middle;
    }
    return (low + high) / 2;
  }
  return null;
}

/**
 * Newton steps in Decimal from the double answer. The discount factors are powers of one day's,
 * (1 + r)^(-1/365), taken from one flow to the next, so a step costs one logarithm and exponential
 * and small integer powers, not one fractional power per flow.
 */
function polish(days: readonly number[], amounts: readonly Decimal[], guess: number): Decimal {
  const start = new Decimal(guess);
  let rate = start;
  for (let i = 0; i < 4; i++) {
    const growth = rate.plus(1);
    const daily = growth.pow(new Decimal(-1).dividedBy(DAYS_A_YEAR));
    let discount = new Decimal(1);
    let previousDay = 0;
    let value = new Decimal(0);
    let slope = new Decimal(0);
    for (let j = 0; j < days.length; j++) {
      const day = days[j] as number;
      if (day !== previousDay) discount = discount.times(daily.pow(day - previousDay));
      previousDay = day;
      const discounted = (amounts[j] as Decimal).times(discount);
      value = value.plus(discounted);
      slope = slope.minus(discounted.times(day).dividedBy(DAYS_A_YEAR));
    }
    slope = slope.dividedBy(growth);
    if (slope.isZero()) break;
    const step = value.dividedBy(slope);
    rate = rate.minus(step);
    if (step.abs().lessThan('1e-30')) break;
  }
  // The double answer was already close to the root: a polish that wandered off is not kept.
  return rate.greaterThan(-1) && rate.minus(start).abs().lessThan('1e-6') ? rate : start;
}
