import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { PriceHub } from '../../prices/price-hub.js';
import { loadDailyCloses } from '../daily-closes.repository.js';
import { Decimal } from '../decimal.js';
import { FxTable, fxPairSymbols } from '../fx.js';
import { replayQuantities } from '../ledger.js';
import { loadLedger } from '../ledger.repository.js';
import type { PerformanceRange, PerformanceView } from '../portfolio.schemas.js';
import { loadBaseCurrency } from './performance.repository.js';
import { type PerformanceInputs, performanceReport } from './performance-report.js';
import { addDays, utcDate } from './performance-window.js';

/** How far before the first transaction forex closes are read: its rate is the nearest earlier close. */
const FX_LOOKBACK_DAYS = 31;

/**
 * Everything a user's performance is computed from but live prices: their ledger (all accounts or
 * one; null when `accountId` is not one of theirs), base currency, and the stored daily closes of
 * the symbols they traded and of the forex pairs between their currencies, from the first
 * transaction on.
 */
export async function loadPerformanceInputs(
  db: Database,
  userId: string,
  accountId?: string,
): Promise<PerformanceInputs | null> {
  const [ledger, baseCurrency] = await Promise.all([
    loadLedger(db, userId, accountId),
    loadBaseCurrency(db, userId),
  ]);
  if (accountId !== undefined && ledger.accounts.length === 0) return null;
  const { transactions } = ledger;
  const symbols = new Set<string>();
  const currencies = new Set([baseCurrency, ...ledger.accounts.map((account) => account.currency)]);
  for (const tx of transactions) {
    if (tx.symbol !== null) symbols.add(tx.symbol);
    currencies.add(tx.currency);
  }
  const fxSymbols = [...currencies].flatMap(fxPairSymbols);
  const firstDate = transactions[0]?.date;
  const closes =
    firstDate === undefined
      ? new Map()
      : await loadDailyCloses(db, [...symbols, ...fxSymbols], addDays(firstDate, -FX_LOOKBACK_DAYS));
  return {
    transactions,
    accountCurrencies: new Map(ledger.accounts.map((account) => [account.id, account.currency])),
    closes,
    fx: new FxTable(closes),
    baseCurrency,
  };
}

/** Returns and the value over time, valued today at the hub's live prices. */
export class PerformanceService {
  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly clock: Clock,
  ) {}

  async performance(userId: string, range: PerformanceRange, accountId?: string): Promise<PerformanceView> {
    const inputs = await loadPerformanceInputs(this.db, userId, accountId);
    if (inputs === null) throw new AppError('account_not_found');
    return performanceReport(
      { ...inputs, livePrices: this.livePrices(inputs) },
      range,
      utcDate(this.clock.now()),
    );
  }

  /** The hub's current prices of what is held now (without any I/O: a stale or unknown quote is left to the closes). */
  private livePrices(inputs: PerformanceInputs): Map<string, Decimal> {
    const prices = new Map<string, Decimal>();
    for (const [key, units] of replayQuantities(inputs.transactions).quantities) {
      const symbol = key.slice(key.indexOf('\u0000') + 1);
      if (units.isZero() || prices.has(symbol)) continue;
      const known = this.hub.peek(symbol);
      if (known && !known.stale && known.quote.price > 0)
        prices.set(symbol, new Decimal(String(known.quote.price)));
    }
    return prices;
  }
}
