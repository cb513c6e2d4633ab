// The alerts benchmark's workload: the rules (a mix of kinds whose thresholds sit where a planned
// number of them fire, at a planned time) and the prices the fake Finnhub trades, shared by the
// in-process measure of the evaluator and the app run (bench/alerts.ts).

import type { SymbolAlertKind } from '../src/alerts/alerts.schemas.js';
import { seededRandom } from '../src/clock.js';

/** Every symbol's previous close and the centre of its quiet band. */
export const BASE_PRICE = 100;
/** While quiet, prices move within ±0.10 of the base: no threshold lies there. */
const BAND = 0.1;
/** Where the ramp (the firing phases) starts, above the quiet band. */
export const RAMP_START = 100.2;
/** How far the ramp climbs a second: the firing rules' thresholds lie on it. */
export const RAMP_PER_SECOND = 0.02;
/** The move windows rules use (minutes): each distinct one is a measure per symbol. */
const WINDOWS = [5, 15, 30, 60, 240];

export type FiringPhase = 'latency' | 'kill';

export interface RuleSpec {
  user: number;
  symbol: string;
  kind: SymbolAlertKind;
  threshold: number;
  windowMinutes: number | null;
  frequency: 'once' | 'rearm';
  regularHoursOnly: boolean;
  /** The phase in which the ramp crosses it; null for the rules that never fire. */
  fires: FiringPhase | null;
  /** Seconds after the ramp starts at which the price crosses it (firing rules). */
  crossesAt: number | null;
}

export interface Workload {
  symbols: string[];
  users: number;
  rules: RuleSpec[];
  /** Seconds of ramp the latency phase covers, then the kill phase. */
  latencySeconds: number;
  killSeconds: number;
}

/**
 * `rules` rules over `symbolCount` symbols, `perUser` a user. `firingRate × latencySeconds` of them
 * are crossed by the ramp in its first `latencySeconds`, `firingRate × killSeconds` in the next
 * `killSeconds`; the others (a realistic mix: price crossings 2-30 % away, day changes and moves of
 * 2-10 %) stay out of reach of every price the benchmark trades.
 */
export function buildWorkload(options: {
  rules: number;
  symbols: number;
  perUser: number;
  firingRate: number;
  latencySeconds: number;
  killSeconds: number;
}): Workload {
  const random = seededRandom(909);
  const between = (low: number, high: number) => low + random() * (high - low);
  const symbols = Array.from({ length: options.symbols }, (_, i) => `A${String(i).padStart(4, '0')}`);
  const pickSymbol = () => symbols[Math.floor(random() * symbols.length)] as string;
  const users = Math.ceil(options.rules / options.perUser);
  const rules: RuleSpec[] = [];
  const latencyFirings = Math.round(options.firingRate * options.latencySeconds);
  const killFirings = Math.round(options.firingRate * options.killSeconds);
  const firing = (fires: FiringPhase, from: number, to: number): RuleSpec => {
    // Half a second past the phase's start, so the first ones are not crossed by the jump from the band.
    const crossesAt = between(from + 0.5, to);
    const price = Math.round((RAMP_START + RAMP_PER_SECOND * crossesAt) * 10_000) / 10_000;
    const roll = random();
    const kind: SymbolAlertKind =
      roll < 0.5 ? 'price_cross_up' : roll < 0.7 ? 'price_cross' : 'day_change_up';
    return {
      user: rules.length % users,
      symbol: pickSymbol(),
      kind,
      threshold: kind === 'day_change_up' ? Number(((price / BASE_PRICE - 1) * 100).toFixed(4)) : price,
      windowMinutes: null,
      frequency: random() < 0.8 ? 'once' : 'rearm',
      regularHoursOnly: false,
      fires,
      crossesAt,
    };
  };
  for (let i = 0; i < latencyFirings; i++) rules.push(firing('latency', 0, options.latencySeconds));
  for (let i = 0; i < killFirings; i++) {
    rules.push(firing('kill', options.latencySeconds, options.latencySeconds + options.killSeconds));
  }
  while (rules.length < options.rules) {
    const roll = random();
    const away = between(0.02, 0.3);
    const percent = Number(between(2, 10).toFixed(2));
    const [kind, threshold, windowMinutes]: [SymbolAlertKind, number, number | null] =
      roll < 0.3
        ? ['price_cross_up', BASE_PRICE * (1 + away), null]
        : roll < 0.6
          ? ['price_cross_down', BASE_PRICE * (1 - away), null]
          : roll < 0.7
            ? ['price_cross', BASE_PRICE * (random() < 0.5 ? 1 + away : 1 - away), null]
            : roll < 0.77
              ? ['day_change_up', percent, null]
              : roll < 0.84
                ? ['day_change_down', percent, null]
                : [
                    roll < 0.92 ? 'move_up' : 'move_down',
                    percent,
                    WINDOWS[Math.floor(random() * WINDOWS.length)] as number,
                  ];
    rules.push({
      user: rules.length % users,
      symbol: pickSymbol(),
      kind,
      threshold: Math.round(threshold * 100) / 100,
      windowMinutes,
      frequency: random() < 0.7 ? 'once' : 'rearm',
      regularHoursOnly: random() < 0.1,
      fires: null,
      crossesAt: null,
    });
  }
  return {
    symbols,
    users,
    rules,
    latencySeconds: options.latencySeconds,
    killSeconds: options.killSeconds,
  };
}

/** A quiet price: anywhere in the band, in cents. */
export function bandPrice(random: () => number): number {
  return Math.round((BASE_PRICE + (random() * 2 - 1) * BAND) * 100) / 100;
}

/** The ramp's price `seconds` after it started (the same for every symbol), in cents. */
export function rampPrice(seconds: number): number {
  return Math.round((RAMP_START + RAMP_PER_SECOND * seconds) * 100) / 100;
}
