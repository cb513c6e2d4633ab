import type { Clock } from '../clock.js';
import type { MarketDataProvider, SymbolMatch } from './types.js';

const MAX_ENTRIES = 1000;

/**
 * Symbol search with a server-side cache: search-as-you-type sends a request per pause in typing,
 * and many users type the same prefixes, so answers are kept for `ttlMs` (least recently used
 * dropped first) and concurrent identical searches share one provider call.
 */
export class SymbolSearch {
  private readonly cache = new Map<string, { results: SymbolMatch[]; at: number }>();
  private readonly inFlight = new Map<string, Promise<SymbolMatch[]>>();

  constructor(
    private readonly provider: MarketDataProvider,
    private readonly clock: Clock,
    private readonly ttlMs = 60 * 60 * 1000,
  ) {}

  async search(query: string): Promise<SymbolMatch[]> {
    const key = query.trim().toUpperCase();
    const cached = this.cache.get(key);
    if (cached && this.clock.now() - cached.at < this.ttlMs) {
      // Re-insert so the Map's order stays least-recently-used first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached.results;
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const call = this.provider
      .search({ query: key })
      .then((results) => {
        this.cache.delete(key);
        this.cache.set(key, { results, at: this.clock.now() });
        if (this.cache.size > MAX_ENTRIES) {
          const oldest = this.cache.keys().next().value;
          if (oldest !== undefined) this.cache.delete(oldest);
        }
        return results;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, call);
    return call;
  }
}
