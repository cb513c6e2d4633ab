import type { MarketState, MarketStatus } from './instruments.js';
import { marketOfSymbol } from './symbols.js';

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Day of the week (0 = Sunday) and minutes since midnight in New York at `time`. */
function newYorkClock(time: number): { weekday: number; minutes: number } {
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of NEW_YORK.formatToParts(time)) {
    if (part.type === 'weekday') weekday = WEEKDAYS.indexOf(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minutes: hour * 60 + minute };
}

/**
 * Whether a price stamped `time` can be a trade of `symbol`'s market: crypto trades around the
 * clock; FX from Sunday 17:00 to Friday 17:00 New York time; US stocks in the regular session,
 * weekdays 09:30-16:00 New York time (holidays are not known here). Other stock markets' hours are
 * not known here either, so none of their snapshots count: their bars come from trades.
 */
export function inRegularSession(symbol: string, time: number): boolean {
  const market = marketOfSymbol(symbol);
  if (market.type === 'Crypto') return true;
  const { weekday, minutes } = newYorkClock(time);
  if (market.type === 'Forex') {
    if (weekday === 6) return false;
    if (weekday === 0) return minutes >= 17 * 60;
    return weekday !== 5 || minutes < 17 * 60;
  }
  if (market.exchange !== 'US') return false;
  return weekday >= 1 && weekday <= 5 && minutes >= 9 * 60 + 30 && minutes < 16 * 60;
}

/**
 * The US market's state from the clock alone (weekdays: pre-market from 04:00, regular 09:30-16:00,
 * post-market to 20:00 New York time), for when no source serves the market status. Holidays are
 * not known here, and the description says so.
 */
export function usMarketStatus(time: number): MarketStatus {
  const { weekday, minutes } = newYorkClock(time);
  const weekdayOpen = weekday >= 1 && weekday <= 5;
  const state: MarketState = !weekdayOpen
    ? 'closed'
    : minutes >= 4 * 60 && minutes < 9 * 60 + 30
      ? 'pre-market'
      : minutes >= 9 * 60 + 30 && minutes < 16 * 60
        ? 'open'
        : minutes >= 16 * 60 && minutes < 20 * 60
          ? 'post-market'
          : 'closed';
  return {
    exchange: 'US',
    state,
    holiday: null,
    timezone: 'America/New_York',
    description: `US market: ${state} (by the clock; holidays not known)`,
  };
}
