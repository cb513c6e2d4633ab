import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import type { KeyMetrics } from '../market/kernel/instruments.js';
import { normalizeSymbol, requireSymbol } from '../market/kernel/symbols.js';
import type { Quote } from '../market/market.schemas.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import type { KeyMetricsCache } from '../prices/key-metrics.js';
import type { PriceHub } from '../prices/price-hub.js';
import { toQuoteDto } from '../prices/quote-dto.js';
import * as repo from './watchlist.repository.js';

export interface WatchlistItem {
  symbol: string;
  name: string;
  currency: string | null;
  addedAt: string;
  quote: Quote | null;
  /** 52-week range and market cap; null while not yet fetched (the next load has them). */
  metrics: KeyMetrics | null;
}

export class WatchlistService {
  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly provider: MarketDataProvider,
    private readonly events: DomainEventBus,
    private readonly keyMetrics: KeyMetricsCache,
  ) {}

  /** The user's items with the hub's current quotes; never calls the provider (the stream fills gaps). */
  async list(userId: string): Promise<WatchlistItem[]> {
    const rows = await repo.listWatchlist(this.db, userId);
    return rows.map((row) => this.toItem(row));
  }

  /** Every symbol on any watchlist, with how many watchlists hold it. */
  holders(): Promise<Array<{ symbol: string; holders: number }>> {
    return repo.countWatchlistHolders(this.db);
  }

  symbols(userId: string): Promise<string[]> {
    return repo.listWatchlistSymbols(this.db, userId);
  }

  async add(userId: string, rawSymbol: string): Promise<WatchlistItem> {
    const symbol = normalizeSymbol(rawSymbol);
    if (!symbol) {
      throw new AppError(
        'invalid_symbol',
        `"${rawSymbol.trim().slice(0, 40)}" is not a valid symbol. Examples: AAPL, BRK.B, VOD.L, BINANCE:BTCUSDT.`,
      );
    }
    if (await repo.isOnWatchlist(this.db, userId, symbol)) throw new AppError('already_in_portfolio');

    let instrument = await repo.findInstrument(this.db, symbol);
    const quote = await this.hub.getQuote(symbol);
    if (quote) instrument ??= (await this.provider.describe({ symbol })) ?? undefined;
    if (!instrument) {
      throw new AppError('unknown_symbol', `No stock or instrument with the symbol ${symbol} was found.`);
    }

    const row = await repo.addToWatchlist(this.db, userId, instrument);
    if (!row) throw new AppError('already_in_portfolio');
    this.events.emit('watchlist.symbolAdded', { userId, symbol });
    await this.keyMetrics.get(symbol);
    return this.toItem(row);
  }

  async remove(userId: string, rawSymbol: string): Promise<void> {
    const symbol = requireSymbol(rawSymbol);
    const removed = await repo.removeFromWatchlist(this.db, userId, symbol);
    if (!removed) throw new AppError('not_in_portfolio');
    this.events.emit('watchlist.symbolRemoved', { userId, symbol });
  }

  private toItem(row: repo.WatchlistRow): WatchlistItem {
    const known = this.hub.peek(row.symbol);
    return {
      symbol: row.symbol,
      name: row.name,
      currency: row.currency,
      addedAt: row.addedAt.toISOString(),
      quote: known ? toQuoteDto(known) : null,
      metrics: this.keyMetrics.peek(row.symbol) ?? null,
    };
  }
}
