import { exchangeSuffix } from './yahoo-symbols.js';

/**
 * Minutes Yahoo's prices run behind the market, per market. The chart answers this source reads
 * carry no delay (`exchangeDataDelayedBy` is only in the /v7 quote answer, which needs a cookie and
 * a crumb), so the figures are Yahoo's own help page, "Exchanges and data providers on Yahoo
 * Finance" (help.yahoo.com/kb/SLN2310.html), as public copies of its table give them: London 20,
 * Tokyo 20, Australia 20, Prague 20, Shanghai 30, Shenzhen 30, Buenos Aires 30, most others 15, and
 * US stocks on Nasdaq and NYSE in real time. Where the copies disagree (Toronto, NSE India and
 * Copenhagen are "real-time" in one and 15 min in another) and for every market the page does not
 * name, and for forex, 15 minutes: showing a price as older than it is misleads nobody.
 */
const DELAY_BY_SUFFIX: Readonly<Record<string, number>> = {
  L: 20,
  T: 20,
  AX: 20,
  PR: 20,
  SS: 30,
  SZ: 30,
  BA: 30,
};
const UNSTATED_DELAY = 15;
/** Yahoo's exchange codes for OTC Markets Group's tiers, which the page gives 15 minutes. */
const OTC_EXCHANGES = new Set(['PNK', 'OQB', 'OQX']);

/**
 * The delay for `symbol` (one of ours Yahoo serves); `exchangeName` is the chart answer's
 * `meta.exchangeName` where there is one, which tells an OTC ticker from a listed one.
 */
export function yahooDelayMinutes(symbol: string, exchangeName?: string | null): number {
  if (symbol.includes(':')) return UNSTATED_DELAY;
  const suffix = exchangeSuffix(symbol);
  if (suffix) return DELAY_BY_SUFFIX[suffix] ?? UNSTATED_DELAY;
  return exchangeName && OTC_EXCHANGES.has(exchangeName) ? UNSTATED_DELAY : 0;
}
