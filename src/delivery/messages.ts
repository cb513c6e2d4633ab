import type { DeliveredFiring } from './delivered-firing.js';

/**
 * What a channel is asked to say: one firing, a test, or (push and email only) the summary of the
 * firings quiet hours held.
 */
export type Outgoing =
  | { kind: 'firing'; firing: DeliveredFiring }
  | { kind: 'test'; firing: DeliveredFiring }
  | { kind: 'summary'; firings: DeliveredFiring[] };

/** The firing a "send test" sends: plainly marked as a test, through the same sender. */
export function testFiring(id: string, now: Date): DeliveredFiring {
  return {
    id,
    alertId: '00000000-0000-0000-0000-000000000000',
    symbol: 'TEST',
    kind: 'price_cross_up',
    threshold: 100,
    price: 100.5,
    firedAt: now,
    message: 'Test from Stock Tracker: this channel works.',
    simulated: true,
  };
}

export function titleOf(outgoing: Outgoing): string {
  switch (outgoing.kind) {
    case 'firing':
      return `${subjectOf(outgoing.firing)} alert`;
    case 'test':
      return 'Stock Tracker test';
    case 'summary':
      return `${outgoing.firings.length} alerts during quiet hours`;
  }
}

/** One line per firing: its message and when (UTC). */
export function linesOf(outgoing: Outgoing): string[] {
  const firings = outgoing.kind === 'summary' ? outgoing.firings : [outgoing.firing];
  return firings.map((firing) =>
    outgoing.kind === 'summary' ? `${timeOf(firing.firedAt)} ${firing.message}` : firing.message,
  );
}

/** "14:05 UTC" for a summary line. */
function timeOf(time: Date): string {
  return `${time.toISOString().slice(11, 16)} UTC`;
}

/** Up, down, or either way: for the emoji a format shows. */
export function directionOf(firing: DeliveredFiring): 'up' | 'down' | 'either' {
  if (firing.kind.endsWith('_up') || firing.kind === 'position_gain') return 'up';
  if (firing.kind.endsWith('_down') || firing.kind === 'position_loss') return 'down';
  // A portfolio firing's threshold is the signed level it crossed.
  if (firing.kind === 'portfolio_day_move') return firing.threshold < 0 ? 'down' : 'up';
  return 'either';
}

/** What a firing is about: its symbol, or the portfolio for an alert on the whole portfolio. */
export function subjectOf(firing: DeliveredFiring): string {
  return firing.symbol ?? 'Portfolio';
}
