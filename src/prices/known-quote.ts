import { AppError } from '../errors.js';
import { requireSymbol } from '../market/kernel/symbols.js';
import type { HubQuote, PriceHub } from './price-hub.js';

/**
 * A symbol from a request, normalised, with its current quote: 400 for a malformed symbol, 404 for
 * one the provider does not know, 403 `data_plan_required` for one the plan does not cover.
 */
export async function knownQuote(
  hub: PriceHub,
  rawSymbol: string,
): Promise<{ symbol: string; quote: HubQuote }> {
  const symbol = requireSymbol(rawSymbol);
  const quote = await hub.getQuote(symbol);
  if (!quote)
    throw new AppError('unknown_symbol', `No stock or instrument with the symbol ${symbol} was found.`);
  return { symbol, quote };
}
