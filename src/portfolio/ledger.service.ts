import type { Clock } from '../clock.js';
import { type Database, uniqueViolationConstraint } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import { knownQuote } from '../prices/known-quote.js';
import type { PriceHub } from '../prices/price-hub.js';
import * as accounts from './accounts.repository.js';
import { requireCurrency } from './currencies.js';
import { type Decimal, decimalString } from './decimal.js';
import { amountString } from './holdings.js';
import { inLedgerOrder, type LedgerTransaction, replayQuantities } from './ledger.js';
import { storedRate } from './market-rates.js';
import {
  DEFAULT_PORTFOLIO_SETTINGS,
  type PortfolioAccount,
  type PortfolioSettings,
  type Transaction,
  type TransactionInput,
} from './portfolio.schemas.js';
import { checkTransactionInput, toLedgerTransaction } from './transaction-input.js';
import * as transactions from './transactions.repository.js';

/** Types that move units: only a write of one of these can make a later sell sell more than held. */
const UNIT_TYPES: readonly string[] = ['buy', 'sell', 'split'];

/**
 * The ledger's writes and lists: settings, accounts and transactions. Every transaction write is
 * checked (its fields, its symbol, its account, its exchange rate) and then, inside one database
 * transaction holding its accounts' locks, replayed: no write may leave a sell selling more than was
 * held at its date. Bad input writes nothing. Stored changes are announced as
 * `portfolio.ledgerChanged`.
 */
export class LedgerService {
  constructor(
    private readonly options: {
      db: Database;
      hub: PriceHub;
      clock: Clock;
      events: DomainEventBus;
      /** Each of a user's accounts' cash, in its currency (the holdings' replay has it). */
      cashOf: (userId: string) => Promise<Map<string, Decimal>>;
    },
  ) {}

  private get db(): Database {
    return this.options.db;
  }

  private today(): string {
    return new Date(this.options.clock.now()).toISOString().slice(0, 10);
  }

  async settings(userId: string): Promise<PortfolioSettings> {
    return (await accounts.readSettings(this.db, userId)) ?? DEFAULT_PORTFOLIO_SETTINGS;
  }

  async updateSettings(userId: string, changes: Partial<PortfolioSettings>): Promise<PortfolioSettings> {
    if (changes.baseCurrency) requireCurrency(changes.baseCurrency, 'baseCurrency');
    const settings = { ...(await this.settings(userId)), ...changes };
    await accounts.saveSettings(this.db, userId, settings);
    this.options.events.emit('portfolio.ledgerChanged', { userId });
    return settings;
  }

  async listAccounts(userId: string): Promise<PortfolioAccount[]> {
    const rows = await accounts.listAccounts(this.db, userId);
    if (rows.length === 0) return [];
    const cash = await this.options.cashOf(userId);
    return rows.map((row) => toAccount(row, cash.get(row.id)));
  }

  async account(userId: string, id: string): Promise<PortfolioAccount> {
    const row = await accounts.findAccount(this.db, userId, id);
    if (!row) throw new AppError('account_not_found');
    return toAccount(row, (await this.options.cashOf(userId)).get(id));
  }

  async createAccount(userId: string, body: { name: string; currency: string }): Promise<PortfolioAccount> {
    requireCurrency(body.currency, 'currency');
    const id = await nameTaken(() => accounts.insertAccount(this.db, userId, body));
    return this.account(userId, id);
  }

  async updateAccount(
    userId: string,
    id: string,
    changes: { name?: string; currency?: string },
  ): Promise<PortfolioAccount> {
    if (changes.currency) requireCurrency(changes.currency, 'currency');
    await nameTaken(() =>
      this.db.transaction(async (tx) => {
        const [account] = await accounts.lockAccounts(tx, userId, [id]);
        if (!account) throw new AppError('account_not_found');
        if (
          changes.currency &&
          changes.currency !== account.currency &&
          (await accounts.accountTransactionCount(tx, id)) > 0
        ) {
          throw new AppError(
            'account_not_empty',
            'The currency of an account with transactions cannot change: its cash and trades are in it.',
            { currency: ['The account has transactions.'] },
          );
        }
        await accounts.updateAccount(tx, id, changes);
      }),
    );
    return this.account(userId, id);
  }

  async deleteAccount(userId: string, id: string, force: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [account] = await accounts.lockAccounts(tx, userId, [id]);
      if (!account) throw new AppError('account_not_found');
      if (!force && (await accounts.accountTransactionCount(tx, id)) > 0)
        throw new AppError('account_not_empty');
      await accounts.deleteAccount(tx, id);
    });
    this.options.events.emit('portfolio.ledgerChanged', { userId });
  }

  listTransactions(
    userId: string,
    filter: transactions.TransactionFilter,
    page: { page: number; pageSize: number },
  ): Promise<{ transactions: Transaction[]; total: number }> {
    const symbol = filter.symbol?.toUpperCase();
    return transactions.listTransactions(this.db, userId, { ...filter, symbol }, page);
  }

  async createTransaction(userId: string, body: TransactionInput): Promise<Transaction> {
    const input = await this.checked(body);
    const stored = await this.db.transaction(async (tx) => {
      const [account] = await accounts.lockAccounts(tx, userId, [input.accountId]);
      if (!account) throw new AppError('account_not_found');
      await requireRate(tx, input, account.currency);
      if (input.symbol && UNIT_TYPES.includes(input.type) && input.type !== 'buy') {
        const ledger = await transactions.positionLedger(tx, userId, [account.id], input.symbol);
        requireHeld([...ledger, toLedgerTransaction(input, '', Number.MAX_SAFE_INTEGER)]);
      }
      return transactions.insertTransaction(tx, userId, input);
    });
    this.options.events.emit('portfolio.ledgerChanged', { userId });
    return stored;
  }

  /**
   * Changes a transaction: the fields given replace the stored ones (a new type starts again from
   * the account, currency, date, fee and note, since what one type carries another must not).
   */
  async updateTransaction(
    userId: string,
    id: string,
    changes: Partial<TransactionInput>,
  ): Promise<Transaction> {
    const found = await transactions.findTransaction(this.db, userId, id);
    if (!found) throw new AppError('transaction_not_found');
    const before = transactions.asInput(found.transaction);
    const kept =
      changes.type && changes.type !== before.type
        ? {
            accountId: before.accountId,
            type: before.type,
            currency: before.currency,
            date: before.date,
            fee: before.fee,
            note: before.note,
          }
        : before;
    const input = await this.checked({ ...kept, ...changes });
    const stored = await this.db.transaction(async (tx) => {
      const locked = await accounts.lockAccounts(tx, userId, [before.accountId, input.accountId]);
      const account = locked.find((each) => each.id === input.accountId);
      if (!account) throw new AppError('account_not_found');
      // Read again under the lock: a concurrent delete wins.
      const current = await transactions.findTransaction(tx, userId, id);
      if (!current) throw new AppError('transaction_not_found');
      await requireRate(tx, input, account.currency);
      const edited = toLedgerTransaction(input, id, current.entry);
      for (const symbol of new Set([before.symbol, input.symbol])) {
        if (!symbol) continue;
        const ledger = await transactions.positionLedger(
          tx,
          userId,
          [before.accountId, input.accountId],
          symbol,
        );
        requireHeld([
          ...ledger.filter((each) => each.id !== id),
          ...(edited.symbol === symbol ? [edited] : []),
        ]);
      }
      return transactions.replaceTransaction(tx, userId, id, input);
    });
    this.options.events.emit('portfolio.ledgerChanged', { userId });
    return stored;
  }

  async deleteTransaction(userId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const found = await transactions.findTransaction(tx, userId, id);
      if (!found) throw new AppError('transaction_not_found');
      const { accountId, symbol, type } = found.transaction;
      await accounts.lockAccounts(tx, userId, [accountId]);
      if (symbol && UNIT_TYPES.includes(type) && type !== 'sell') {
        const ledger = await transactions.positionLedger(tx, userId, [accountId], symbol);
        requireHeld(ledger.filter((each) => each.id !== id));
      }
      await transactions.deleteTransaction(tx, id);
    });
    this.options.events.emit('portfolio.ledgerChanged', { userId });
  }

  /**
   * The input's own checks (its type's fields, its date), its currency, and its symbol known to the
   * market (normalised: 400 invalid_symbol, 404 unknown_symbol).
   */
  private async checked(input: TransactionInput): Promise<TransactionInput> {
    const problems = checkTransactionInput(input, this.today());
    if (problems.length > 0) {
      const fields: Record<string, string[]> = {};
      for (const { field, message } of problems) fields[field] = [...(fields[field] ?? []), message];
      throw new AppError('validation_error', (problems[0] as { message: string }).message, fields);
    }
    requireCurrency(input.currency, 'currency');
    if (!input.symbol) return input;
    const { symbol } = await knownQuote(this.options.hub, input.symbol);
    return { ...input, symbol };
  }
}

/** A transaction in another currency than its account's needs its rate, given or stored. */
async function requireRate(db: Database, input: TransactionInput, accountCurrency: string): Promise<void> {
  if (input.currency === accountCurrency || input.fxRate !== undefined) return;
  if (await storedRate(db, input.currency, accountCurrency, input.date)) return;
  const message = `No ${input.currency} to ${accountCurrency} rate is known for ${input.date}: give fxRate (${accountCurrency} per ${input.currency}).`;
  throw new AppError('fx_rate_required', message, { fxRate: [message] });
}

/** 400 insufficient_quantity when, in ledger order, a sell sells more than is held at its date. */
function requireHeld(ledger: LedgerTransaction[]): void {
  const { oversold } = replayQuantities(ledger.sort(inLedgerOrder));
  if (!oversold) return;
  const message = `That leaves the sell of ${decimalString(oversold.quantity as Decimal)} ${oversold.symbol} on ${oversold.date} selling more than the account holds then.`;
  throw new AppError('insufficient_quantity', message, { quantity: [message] });
}

/** 409 account_name_taken when the write hits the unique (user, name). */
async function nameTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (uniqueViolationConstraint(error) !== undefined) {
      throw new AppError('account_name_taken', undefined, {
        name: ['You already have an account with that name.'],
      });
    }
    throw error;
  }
}

function toAccount(row: accounts.AccountRow, cash: Decimal | undefined): PortfolioAccount {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    cash: cash ? amountString(cash) : '0',
    transactionCount: row.transactionCount,
    createdAt: row.createdAt.toISOString(),
  };
}
