// The evaluator alone, in this process: heap per rule, and the time of each `evaluate` call over the
// benchmark's ticks (quiet ones, where nothing fires, and the ramp, where the planned rules fire).
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { marketCalendar } from '../src/alerts/alert-calendar.js';
import { AlertEvaluator, type AlertRuleState } from '../src/alerts/alert-evaluator.js';
import { seededRandom } from '../src/clock.js';
import { BASE_PRICE, bandPrice, rampPrice, type Workload } from './alert-workload.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

interface Timings {
  ticks: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  decisions: number;
}

function summarize(samples: Float64Array, decisions: number): Timings {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0).toFixed(2));
  const total = samples.reduce((sum, value) => sum + value, 0);
  return {
    ticks: samples.length,
    meanUs: Number((total / Math.max(1, samples.length)).toFixed(2)),
    p50Us: at(0.5),
    p99Us: at(0.99),
    maxUs: at(1),
    decisions,
  };
}

/**
 * Builds the evaluator with every rule of the workload (measuring the heap it takes), then times
 * `evaluate` for `rate × quietSeconds` quiet ticks and the ramp's ticks (the firing phases), the
 * clock moving 1/rate s a tick as in the app run.
 */
export function measureEvaluator(
  workload: Workload,
  options: { rate: number; quietSeconds: number },
): {
  heapPerRuleBytes: number;
  rules: number;
  quiet: Timings & { ticksInBand: number };
  firing: Timings;
  noRules: Timings;
} {
  const random = seededRandom(7);
  const userIds = Array.from({ length: workload.users }, () => randomUUID());
  const stepMs = 1000 / options.rate;
  const start = Date.UTC(2026, 10, 30, 15, 0, 0);

  const run = (evaluator: AlertEvaluator, from: number, seconds: number, price: (t: number) => number) => {
    const count = Math.round(seconds * options.rate);
    const samples = new Float64Array(count);
    let decisions = 0;
    for (let i = 0; i < count; i++) {
      const symbol = workload.symbols[Math.floor(random() * workload.symbols.length)] as string;
      const time = from + i * stepMs;
      const value = price(time);
      const began = process.hrtime.bigint();
      const made = evaluator.evaluate(symbol, value, time, BASE_PRICE);
      samples[i] = Number(process.hrtime.bigint() - began) / 1000;
      decisions += made.length;
    }
    return summarize(samples, decisions);
  };

  const before = heapUsed();
  const evaluator = new AlertEvaluator(marketCalendar);
  for (const symbol of workload.symbols) evaluator.prime(symbol, BASE_PRICE, BASE_PRICE);
  for (const spec of workload.rules) {
    const rule: AlertRuleState = {
      id: randomUUID(),
      userId: userIds[spec.user] as string,
      symbol: spec.symbol,
      kind: spec.kind,
      threshold: spec.threshold,
      windowMinutes: spec.windowMinutes,
      breakEven: null,
      frequency: spec.frequency,
      hysteresisPercent: 0.5,
      cooldownMinutes: 15,
      expiresAt: null,
      regularHoursOnly: spec.regularHoursOnly,
      armed: true,
      fireCount: 0,
      lastFiredAt: null,
      recentFirings: [],
    };
    evaluator.add(rule);
  }
  const heapPerRuleBytes = Math.round((heapUsed() - before) / workload.rules.length);
  const rules = evaluator.size;

  // Without rules: the symbols primed only (what a tick of a watched symbol with no rule costs).
  const empty = new AlertEvaluator(marketCalendar);
  for (const symbol of workload.symbols) empty.prime(symbol, BASE_PRICE, BASE_PRICE);
  const noRules = run(empty, start, options.quietSeconds, () => bandPrice(random));

  const quiet = run(evaluator, start, options.quietSeconds, () => bandPrice(random));
  const quietTicksInBand = evaluator.ticksInBand / quiet.ticks;
  const rampFrom = start + options.quietSeconds * 1000;
  const firing = run(evaluator, rampFrom, workload.latencySeconds + workload.killSeconds + 1, (time) =>
    rampPrice((time - rampFrom) / 1000),
  );
  return {
    heapPerRuleBytes,
    rules,
    quiet: { ...quiet, ticksInBand: Number(quietTicksInBand.toFixed(3)) },
    firing,
    noRules,
  };
}
