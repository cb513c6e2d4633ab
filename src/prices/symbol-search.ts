import type { Clock } from '../clock.js';
import type { SymbolMatch } from '../market/kernel/instruments.js';
import { normalizeSymbol } from '../market/kernel/symbols.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Symbol search with a server-side cache: search-as-you-type sends a request per pause in typing,
 * and many users type the same prefixes, so answers are kept for `ttlMs` and concurrent identical
 * searches share one provider call.
 */
export class SymbolSearch {
  private readonly cache: TtlCache<SymbolMatch[]>;

  constructor(
    private readonly provider: MarketDataProvider,
    clock: Clock,
    ttlMs = 60 * 60 * 1000,
  ) {
    this.cache = new TtlCache(clock, ttlMs, 1000);
  }

  search(query: string): Promise<SymbolMatch[]> {
    const key = query.trim().toUpperCase();
    return this.cache.get(key, async () => {
      const matches = await this.provider.search({ query: key });
      // A match the app could not take (a form its symbol rule refuses, like COX&KINGS.NS) is not offered.
      return matches.flatMap((match) => {
        const symbol = normalizeSymbol(match.symbol);
        return symbol ? [{ ...match, symbol }] : [];
      });
    });
  }
}
