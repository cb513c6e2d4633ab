import type { AlertKind, AlertRuleView } from './api';
import { formatPrice } from './format';

/** The kinds whose threshold is a price (drawn as a line on the chart); the others take a percentage. */
export function isPriceKind(kind: AlertKind): boolean {
  return kind === 'price_cross_up' || kind === 'price_cross_down' || kind === 'price_cross';
}

export function isMoveKind(kind: AlertKind): boolean {
  return kind === 'move_up' || kind === 'move_down';
}

export function isPositionKind(kind: AlertKind): boolean {
  return kind === 'position_gain' || kind === 'position_loss';
}

/** In the order the form offers them, with what the form calls them. */
export const KIND_LABELS: Record<AlertKind, string> = {
  price_cross_up: 'Price rises above',
  price_cross_down: 'Price falls below',
  price_cross: 'Price crosses',
  day_change_up: 'Day change reaches + %',
  day_change_down: 'Day change reaches − %',
  move_up: 'Rises % within a window',
  move_down: 'Falls % within a window',
  position_gain: 'My holding gains % on its cost',
  position_loss: 'My holding loses % on its cost',
  portfolio_day_move: 'My portfolio moves ± % today',
};

/** The kinds the form offers on a symbol; an alert on the whole portfolio has no symbol. */
export function kindsFor(symbol: string | null): AlertKind[] {
  const kinds = Object.keys(KIND_LABELS) as AlertKind[];
  return kinds.filter((kind) => (kind === 'portfolio_day_move') === (symbol === null));
}

/** A rule in words: "Price rises above $250.00", "Falls 3 % within 60 minutes". */
export function describeRule(
  rule: Pick<AlertRuleView, 'kind' | 'threshold' | 'windowMinutes'>,
  currency: string | null,
): string {
  const percent = `${rule.threshold} %`;
  switch (rule.kind) {
    case 'price_cross_up':
      return `Price rises above ${formatPrice(rule.threshold, currency)}`;
    case 'price_cross_down':
      return `Price falls below ${formatPrice(rule.threshold, currency)}`;
    case 'price_cross':
      return `Price crosses ${formatPrice(rule.threshold, currency)}`;
    case 'day_change_up':
      return `Day change reaches +${percent}`;
    case 'day_change_down':
      return `Day change reaches −${percent}`;
    case 'move_up':
      return `Rises ${percent} within ${rule.windowMinutes ?? '?'} minutes`;
    case 'move_down':
      return `Falls ${percent} within ${rule.windowMinutes ?? '?'} minutes`;
    case 'position_gain':
      return `My holding gains ${percent} on its cost`;
    case 'position_loss':
      return `My holding loses ${percent} on its cost`;
    case 'portfolio_day_move':
      return `My portfolio moves ±${percent} in a day`;
  }
}
