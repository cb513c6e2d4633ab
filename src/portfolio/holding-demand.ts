import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { DomainEventBus } from '../events.js';
import type { PriceHub } from '../prices/price-hub.js';
import { fxPairSymbols } from './fx.js';
import { replayQuantities } from './ledger.js';
import { currenciesInUse, quantityLedgers } from './transactions.repository.js';

/**
 * The `holding` market demand: every symbol a user holds (more than 0 units in some account) and the
 * forex pair of every currency they use is wanted by the market all day, one holder per user, so
 * holdings are valued live and their history and alerts work with no browser open.
 */
export class HoldingDemand {
  private readonly wanted = new Map<string, Set<string>>();
  /** Which way round the market quotes each currency's pair against the US dollar (null: no pair). */
  private readonly pairs = new Map<string, string | null>();

  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly events: DomainEventBus,
    private readonly logger: Logger,
  ) {}

  /** Every user's held symbols and pairs, from the database (at start). */
  async loadAll(): Promise<void> {
    const [ledgers, currencies] = await Promise.all([quantityLedgers(this.db), currenciesInUse(this.db)]);
    for (const userId of new Set([...ledgers.keys(), ...currencies.keys()])) {
      this.apply(
        userId,
        await this.symbolsOf(ledgers.get(userId) ?? [], currencies.get(userId) ?? new Set()),
        false,
      );
    }
  }

  /** One user's, after their ledger changed: new symbols are announced as `portfolio.symbolHeld`. */
  async refresh(userId: string): Promise<void> {
    const [ledgers, currencies] = await Promise.all([
      quantityLedgers(this.db, userId),
      currenciesInUse(this.db, userId),
    ]);
    this.apply(
      userId,
      await this.symbolsOf(ledgers.get(userId) ?? [], currencies.get(userId) ?? new Set()),
      true,
    );
  }

  /** The symbols wanted for `userId` now (the stream sends their prices to the user's browsers). */
  symbols(userId: string): ReadonlySet<string> {
    return this.wanted.get(userId) ?? new Set();
  }

  /** A deleted user's symbols stop being wanted for them. */
  forget(userId: string): void {
    this.apply(userId, new Set(), false);
  }

  private apply(userId: string, symbols: Set<string>, announce: boolean): void {
    const before = this.wanted.get(userId) ?? new Set<string>();
    for (const symbol of before) if (!symbols.has(symbol)) this.hub.demand.remove(symbol, 'holding');
    for (const symbol of symbols) {
      if (before.has(symbol)) continue;
      this.hub.demand.add(symbol, 'holding');
      if (announce) this.events.emit('portfolio.symbolHeld', { userId, symbol });
    }
    if (symbols.size === 0) this.wanted.delete(userId);
    else this.wanted.set(userId, symbols);
  }

  private async symbolsOf(
    ledger: Parameters<typeof replayQuantities>[0],
    currencies: ReadonlySet<string>,
  ): Promise<Set<string>> {
    const symbols = new Set<string>();
    const { quantities } = replayQuantities(ledger);
    for (const [key, quantity] of quantities) {
      // The key is the position's (account, then symbol).
      if (quantity.greaterThan(0)) symbols.add(key.slice(key.indexOf('\u0000') + 1));
    }
    for (const currency of currencies) {
      const pair = await this.pairOf(currency);
      if (pair) symbols.add(pair);
    }
    return symbols;
  }

  /** The forex symbol the market quotes `currency` against the US dollar with, either way round. */
  async pairOf(currency: string): Promise<string | null> {
    const known = this.pairs.get(currency);
    if (known !== undefined) return known;
    for (const symbol of fxPairSymbols(currency)) {
      try {
        if (this.hub.peek(symbol) || (await this.hub.getQuote(symbol))) {
          this.pairs.set(currency, symbol);
          return symbol;
        }
      } catch (error) {
        // Not remembered: the provider may answer next time.
        this.logger.warn({ symbol, reason: (error as Error).message }, 'could not price a forex pair');
        return null;
      }
    }
    this.pairs.set(currency, null);
    return null;
  }
}
