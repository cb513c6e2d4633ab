import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { marketOfSymbol, requireSymbol } from '../market/kernel/symbols.js';
import type { HubQuote, PriceHub } from '../prices/price-hub.js';
import * as accounts from './accounts.repository.js';
import { Decimal } from './decimal.js';
import type { DailyClose } from './fx.js';
import {
  amountString,
  continueReplay,
  type HoldingsFigures,
  holdingsView,
  holdingView,
  type LivePrice,
  newPosition,
  type Replay,
  replayLedger,
  valueHoldings,
} from './holdings.js';
import { loadLedger, transactionsSince } from './ledger.repository.js';
import { loadForexCloses, ratesFrom } from './market-rates.js';
import {
  type CostBasisMethod,
  DEFAULT_PORTFOLIO_SETTINGS,
  type HoldingDetail,
  type HoldingsView,
} from './portfolio.schemas.js';
import type { LedgerVersion } from './transactions.repository.js';
import * as transactions from './transactions.repository.js';

interface HoldingsQuery {
  account?: string;
  costBasis?: CostBasisMethod;
}

interface ReplaySettings {
  query: HoldingsQuery;
  costBasis: CostBasisMethod;
  baseCurrency: string;
  today: string;
}

function livePrice(known: HubQuote | null | undefined): LivePrice | null {
  if (!known || !(known.quote.price > 0)) return null;
  const { price, previousClose, time } = known.quote;
  return {
    price: new Decimal(String(price)),
    previousClose: previousClose !== null && previousClose > 0 ? new Decimal(String(previousClose)) : null,
    time,
  };
}

/**
 * The holdings figures of a user's ledger (all accounts or one): one read of the ledger, the forex
 * closes it needs and the hub's live prices, then the pure replay and valuation of holdings.ts.
 */
/** Replays kept, most recently used last: a holdings request then only values them at live prices. */
const REPLAYS_KEPT = 1000;

interface CachedReplay {
  /** The ledger's version it was replayed from (`ledgerVersion`); null for one never kept. */
  version: LedgerVersion | null;
  replay: Replay;
  accountCurrencies: Map<string, string>;
  closes: Map<string, DailyClose[]>;
  /** The currencies `closes` were read for. */
  currencies: Set<string>;
  /** The date of the last transaction replayed: later ones continue the replay. */
  lastDate: string | null;
}

export class HoldingsService {
  /**
   * Replays by user, account, method, base currency and day, each with the ledger version it was
   * made from: any write (on any instance) changes the version, so a stale replay is never used.
   */
  private readonly replays = new Map<string, CachedReplay>();

  constructor(private readonly options: { db: Database; hub: PriceHub; clock: Clock }) {}

  private remember(key: string, entry: CachedReplay): void {
    this.replays.delete(key);
    this.replays.set(key, entry);
    if (this.replays.size > REPLAYS_KEPT) this.replays.delete(this.replays.keys().next().value as string);
  }

  async holdings(userId: string, query: HoldingsQuery): Promise<HoldingsView> {
    const { figures, baseCurrency, costBasis } = await this.figures(userId, query);
    const open = figures.holdings
      .filter((holding) => !holding.quantity.isZero())
      .map((holding) => holding.symbol);
    const names = await transactions.instrumentNames(this.options.db, open);
    return holdingsView(figures, { baseCurrency, costBasis, names });
  }

  /** One holding with the transactions behind it and what each did; a symbol never traded is a holding of 0. */
  async holding(userId: string, rawSymbol: string, query: HoldingsQuery): Promise<HoldingDetail> {
    const symbol = requireSymbol(rawSymbol);
    const { figures, baseCurrency, costBasis, steps, live } = await this.figures(userId, query, symbol);
    const holding = figures.holdings.find(
      (each) => each.symbol === symbol,
    ) as HoldingsFigures['holdings'][number];
    const stored = (await transactions.symbolTransactions(this.options.db, userId, symbol)).filter(
      (transaction) => !query.account || transaction.accountId === query.account,
    );
    const names = await transactions.instrumentNames(this.options.db, [symbol]);
    const stepById = new Map(steps.map((step) => [step.transactionId, step]));
    return {
      baseCurrency,
      costBasis,
      holding: holdingView(holding, names.get(symbol) ?? null),
      quote: live
        ? {
            price: amountString(live.price),
            previousClose: live.previousClose ? amountString(live.previousClose) : null,
            time: new Date(live.time).toISOString(),
          }
        : null,
      transactions: stored.flatMap((transaction) => {
        const step = stepById.get(transaction.id);
        if (!step) return [];
        return [
          {
            transaction,
            quantity: amountString(step.quantity),
            cost: amountString(step.cost),
            realized: step.realized ? amountString(step.realized) : null,
            lots:
              step.lots?.map((lot) => ({
                date: lot.date,
                quantity: amountString(lot.quantity),
                cost: amountString(lot.cost),
              })) ?? null,
            fxRate: amountString(step.fxRate),
            baseFxRate: amountString(step.baseFxRate),
          },
        ];
      }),
    };
  }

  /** Each of the user's accounts' cash, in its currency (from the same kept replay). */
  async cash(userId: string): Promise<Map<string, Decimal>> {
    const settings = (await accounts.readSettings(this.options.db, userId)) ?? DEFAULT_PORTFOLIO_SETTINGS;
    const { replay } = await this.replayOf(userId, {}, settings.costBasis, settings.baseCurrency);
    return replay.cash;
  }

  private async figures(userId: string, query: HoldingsQuery, explain?: string) {
    const { db, hub } = this.options;
    const settings = (await accounts.readSettings(db, userId)) ?? DEFAULT_PORTFOLIO_SETTINGS;
    const costBasis = query.costBasis ?? settings.costBasis;
    const { baseCurrency } = settings;
    if (query.account && !(await accounts.findAccount(db, userId, query.account))) {
      throw new AppError('account_not_found');
    }
    const { replay, accountCurrencies, closes, today } = await this.replayOf(
      userId,
      query,
      costBasis,
      baseCurrency,
      explain,
    );
    // Live forex quotes move today's rates: the valuation reads them again every time.
    const rates = ratesFrom(closes, hub, { today, field: 'baseCurrency' });
    if (explain && !replay.positions.some((position) => position.symbol === explain)) {
      replay.positions.push(newPosition('', explain, marketOfSymbol(explain).currency ?? baseCurrency));
    }
    const wanted = new Set(
      replay.positions
        .filter((position) => !position.quantity.isZero() || position.symbol === explain)
        .map((position) => position.symbol),
    );
    const prices = new Map<string, LivePrice>();
    await Promise.all(
      [...wanted].map(async (symbol) => {
        const live = livePrice(hub.peek(symbol) ?? (await hub.getQuote(symbol).catch(() => null)));
        if (live) prices.set(symbol, live);
      }),
    );
    const figures = valueHoldings(replay, { prices, rates, baseCurrency, accountCurrencies });
    return {
      figures,
      baseCurrency,
      costBasis,
      steps: replay.steps,
      live: explain ? (prices.get(explain) ?? null) : null,
    };
  }

  /**
   * The kept replay while the ledger is unchanged; continued by the transactions added since when
   * that is all that changed (a new transaction after all the others, the usual write); else a new
   * one. One that explains is never kept.
   */
  private async replayOf(
    userId: string,
    query: HoldingsQuery,
    costBasis: CostBasisMethod,
    baseCurrency: string,
    explain?: string,
  ): Promise<CachedReplay & { today: string }> {
    const { db, clock } = this.options;
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const settings = { query, costBasis, baseCurrency, today };
    if (explain) return { ...(await this.replayAll(userId, settings, null, explain)), today };
    const key = [userId, query.account ?? '', costBasis, baseCurrency, today].join('|');
    const version = await transactions.ledgerVersion(db, userId);
    const cached = this.replays.get(key);
    let kept: CachedReplay;
    if (cached?.version?.key === version.key) kept = cached;
    else {
      const continued = cached ? await this.continued(userId, cached, version, settings) : null;
      kept = continued ?? (await this.replayAll(userId, settings, version));
    }
    this.remember(key, kept);
    return { ...kept, today };
  }

  private async replayAll(
    userId: string,
    { query, costBasis, baseCurrency, today }: ReplaySettings,
    version: LedgerVersion | null,
    explain?: string,
  ): Promise<CachedReplay> {
    const { db, hub } = this.options;
    const ledger = await loadLedger(db, userId, query.account);
    const accountCurrencies = new Map(ledger.accounts.map((account) => [account.id, account.currency]));
    const currencies = new Set([baseCurrency, ...accountCurrencies.values()]);
    for (const tx of ledger.transactions) currencies.add(tx.currency);
    const closes = await loadForexCloses(db, currencies, ledger.transactions[0]?.date ?? today);
    const replay = replayLedger({
      transactions: ledger.transactions,
      accountCurrencies,
      method: costBasis,
      baseCurrency,
      rates: ratesFrom(closes, hub, { today, field: 'baseCurrency' }),
      today,
      explain,
    });
    const lastDate = ledger.transactions.at(-1)?.date ?? null;
    return { version, replay, accountCurrencies, closes, currencies, lastDate };
  }

  /**
   * `cached` continued by the transactions added since, when nothing else changed: no account, no
   * transaction changed or deleted, each new one dated on or after the last replayed (so it comes
   * after them in ledger order, and the forex closes read from the first one cover its date) and in
   * a currency whose rates were read. Null otherwise (an empty ledger's replay read no past rates).
   */
  private async continued(
    userId: string,
    cached: CachedReplay,
    version: LedgerVersion,
    { query, costBasis, baseCurrency, today }: ReplaySettings,
  ): Promise<CachedReplay | null> {
    const before = cached.version;
    if (!before || version.accounts !== before.accounts) return null;
    const since = await transactionsSince(this.options.db, userId, before.lastEntry, before.lastChange);
    if (version.count !== before.count + since.length) return null;
    const { lastDate, currencies } = cached;
    if (lastDate === null) return null;
    const appendedOnly = since.every(
      (tx) => tx.entry > before.lastEntry && tx.date >= lastDate && currencies.has(tx.currency),
    );
    if (!appendedOnly) return null;
    const appended = query.account ? since.filter((tx) => tx.accountId === query.account) : since;
    const replay = continueReplay(cached.replay, {
      transactions: appended,
      accountCurrencies: cached.accountCurrencies,
      method: costBasis,
      baseCurrency,
      rates: ratesFrom(cached.closes, this.options.hub, { today, field: 'baseCurrency' }),
      today,
    });
    return { ...cached, version, replay, lastDate: since.at(-1)?.date ?? lastDate };
  }
}
