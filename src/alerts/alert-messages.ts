import type { AlertDecision, AlertRuleState } from './alert-evaluator.js';
import type { PortfolioDecision } from './portfolio-moves.js';

/** A price as people read it: cents for most, more digits for prices under 1 (crypto, FX). */
export function formatPrice(price: number): string {
  const digits = price >= 1 ? 2 : 6;
  return price.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatPercent(value: number): string {
  return `${Math.abs(value).toFixed(2)} %`;
}

/** What a firing says, in the app, in emails, pushes and webhooks. */
export function firingMessage(
  decision: Extract<AlertDecision, { type: 'fire' }>,
  simulated: boolean,
): string {
  const { rule, price, value, reference } = decision;
  const at = formatPrice(price);
  let text: string;
  switch (rule.kind) {
    case 'price_cross_up':
      text = `${rule.symbol} crossed above ${formatPrice(rule.threshold)}: ${at}`;
      break;
    case 'price_cross_down':
      text = `${rule.symbol} crossed below ${formatPrice(rule.threshold)}: ${at}`;
      break;
    case 'price_cross':
      text = `${rule.symbol} crossed ${price >= rule.threshold ? 'above' : 'below'} ${formatPrice(rule.threshold)}: ${at}`;
      break;
    case 'day_change_up':
      text = `${rule.symbol} is up ${formatPercent(value)} today (alert at +${rule.threshold} %): ${at}`;
      break;
    case 'day_change_down':
      text = `${rule.symbol} is down ${formatPercent(value)} today (alert at -${rule.threshold} %): ${at}`;
      break;
    case 'move_up':
      text = `${rule.symbol} rose ${formatPercent(value)} in ${rule.windowMinutes} min (from ${formatPrice(reference ?? price)}): ${at}`;
      break;
    case 'move_down':
      text = `${rule.symbol} fell ${formatPercent(value)} in ${rule.windowMinutes} min (from ${formatPrice(reference ?? price)}): ${at}`;
      break;
    case 'position_gain':
      text = `Your ${rule.symbol} holding is up ${formatPercent(onCost(price, rule))} on its cost (alert at +${rule.threshold} %): ${at}`;
      break;
    case 'position_loss':
      text = `Your ${rule.symbol} holding is down ${formatPercent(onCost(price, rule))} on its cost (alert at -${rule.threshold} %): ${at}`;
      break;
  }
  return simulated ? `${text} (simulated market)` : text;
}

/** A holding's unrealized P/L at `price`, percent of its cost. */
function onCost(price: number, rule: AlertRuleState): number {
  return rule.breakEven ? (price / rule.breakEven - 1) * 100 : 0;
}

/** What a portfolio firing says: the move and the portfolio's value in the base currency. */
export function portfolioMessage(decision: PortfolioDecision, simulated: boolean): string {
  const { rule, move, value, baseCurrency, direction } = decision;
  const text = `Your portfolio is ${direction} ${formatPercent(move)} today (alert at ±${rule.threshold} %): ${formatPrice(value)} ${baseCurrency}`;
  return simulated ? `${text} (simulated market)` : text;
}

export function floodMessage(rule: AlertRuleState): string {
  return `Your ${rule.symbol} alert fired more than 10 times in an hour and was paused. Edit it (a wider threshold or a longer cooldown) and resume it.`;
}
