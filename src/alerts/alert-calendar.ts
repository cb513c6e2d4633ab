import { inRegularSession } from '../market/kernel/sessions.js';
import { marketOfSymbol } from '../market/kernel/symbols.js';
import type { AlertCalendar } from './alert-evaluator.js';
import type { PortfolioCalendar } from './portfolio-moves.js';

const NEW_YORK_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' });

/** Whether the kernel knows `symbol`'s trading hours (crypto, FX, US stocks). */
function hoursKnown(symbol: string): boolean {
  const market = marketOfSymbol(symbol);
  return market.type === 'Crypto' || market.type === 'Forex' || market.exchange === 'US';
}

/**
 * The market calendar the live rules use: "regular hours only" follows the kernel's sessions where
 * it knows them (elsewhere it does not hold a rule back); a US stock's or FX pair's trading day is
 * New York's date, anything else's the UTC date.
 */
export const marketCalendar: AlertCalendar = {
  inRegularHours: (symbol, time) => !hoursKnown(symbol) || inRegularSession(symbol, time),
  tradingDay: (symbol, time) => {
    const market = marketOfSymbol(symbol);
    if (market.type === 'Forex' || market.exchange === 'US') return NEW_YORK_DAY.format(time);
    return new Date(time).toISOString().slice(0, 10);
  },
};

/**
 * A whole portfolio's trading day is New York's date (where a US holding's previous close rolls
 * over); "regular hours only" follows the symbol whose tick moved it.
 */
export const portfolioCalendar: PortfolioCalendar = {
  tradingDay: (time) => NEW_YORK_DAY.format(time),
  inRegularHours: marketCalendar.inRegularHours,
};
