import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { PriceHub } from '../../prices/price-hub.js';
import { readSettings } from '../accounts.repository.js';
import { loadDailyCloses } from '../daily-closes.repository.js';
import { Decimal } from '../decimal.js';
import { FxTable, fxPairSymbols } from '../fx.js';
import { replayQuantities } from '../ledger.js';
import { loadLedger } from '../ledger.repository.js';
import {
  DEFAULT_PORTFOLIO_SETTINGS,
  type PerformanceRange,
  type PerformanceView,
} from '../portfolio.schemas.js';
import { loadPriceHistories } from './performance.repository.js';
import { type PerformanceInputs, performanceReport } from './performance-report.js';
import { addDays, performanceWindow, utcDate } from './performance-window.js';

/** How far before the first transaction forex closes are read: its rate is the nearest earlier close. */
const FX_LOOKBACK_DAYS = 31;

/**
 * Everything a range's performance is computed from but live prices: the user's ledger (all
 * accounts or one; null when `accountId` is not one of theirs), base currency, the stored daily
 * closes of the symbols they traded from the range's first day or their first transaction on (and
 * the latest before it), and the forex pairs between their currencies from the first transaction
 * on (cash is replayed from there).
 */
export async function loadPerformanceInputs(
  db: Database,
  userId: string,
  range: PerformanceRange,
  today: string,
  accountId?: string,
): Promise<PerformanceInputs | null> {
  const [ledger, baseCurrency] = await Promise.all([
    loadLedger(db, userId, accountId),
    readSettings(db, userId).then(
      (settings) => settings?.baseCurrency ?? DEFAULT_PORTFOLIO_SETTINGS.baseCurrency,
    ),
  ]);
  if (accountId !== undefined && ledger.accounts.length === 0) return null;
  const { transactions } = ledger;
  const firstDate = transactions[0]?.date;
  // A symbol is worth nothing before its first transaction: its closes are read from the later of
  // that day and the range's first day (where the range would begin were that the ledger's first).
  const closesFrom = new Map<string, string>();
  const currencies = new Set([baseCurrency, ...ledger.accounts.map((account) => account.currency)]);
  for (const tx of transactions) {
    if (tx.symbol !== null && !closesFrom.has(tx.symbol))
      closesFrom.set(tx.symbol, performanceWindow(range, today, tx.date).from);
    currencies.add(tx.currency);
  }
  const [closes, fxCloses] =
    firstDate === undefined
      ? [new Map(), new Map()]
      : await Promise.all([
          loadPriceHistories(db, closesFrom),
          loadDailyCloses(db, [...currencies].flatMap(fxPairSymbols), addDays(firstDate, -FX_LOOKBACK_DAYS)),
        ]);
  return {
    transactions,
    accountCurrencies: new Map(ledger.accounts.map((account) => [account.id, account.currency])),
    closes,
    fx: new FxTable(fxCloses),
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
    const today = utcDate(this.clock.now());
    const inputs = await loadPerformanceInputs(this.db, userId, range, today, accountId);
    if (inputs === null) throw new AppError('account_not_found');
    return performanceReport({ ...inputs, livePrices: this.livePrices(inputs) }, range, today);
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
