import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { DomainEventBus } from '../../events.js';
import { normalizeSymbol } from '../../market/kernel/symbols.js';
import type { PriceHub } from '../../prices/price-hub.js';
import { lockAccounts } from '../accounts.repository.js';
import { loadDailyCloses } from '../daily-closes.repository.js';
import { FxTable, fxPairSymbols } from '../fx.js';
import { inLedgerOrder, type LedgerTransaction, replayQuantities } from '../ledger.js';
import { insertTransactions, type LedgerAccount, loadLedger } from '../ledger.repository.js';
import type { ImportPreview } from '../portfolio.schemas.js';
import { contentKey, toLedgerTransaction } from '../transaction-input.js';
import { exportCsv, exportJson } from './export-format.js';
import { type ImportProblem, type ImportRow, readImportFile } from './import-parse.js';
import * as repo from './imports.repository.js';

/** A preview can be committed for an hour; the sweep removes it after that. */
const PREVIEW_TTL_MS = 60 * 60 * 1000;
/** Provider lookups for symbols neither priced nor described yet, at most this many at once. */
const SYMBOL_LOOKUPS_AT_ONCE = 8;
/** The id a row of the file has in the replay (not a stored transaction's: those are uuids). */
const ROW_ID = 'import-line:';

export interface ExportFile {
  body: string;
  contentType: string;
  fileName: string;
}

/**
 * Imports in two steps: the preview reads and checks a file against the ledger (symbols, exchange
 * rates, overselling, duplicates) and keeps the result an hour; the commit checks the ledger again
 * (it may have changed) and writes every new row in one transaction. And the export, in the import's
 * own format.
 */
export class ImportsService {
  constructor(
    private readonly db: Database,
    private readonly hub: PriceHub,
    private readonly clock: Clock,
    private readonly events: DomainEventBus,
  ) {}

  private today(): string {
    return new Date(this.clock.now()).toISOString().slice(0, 10);
  }

  async preview(
    userId: string,
    file: { text: string; fileName?: string; accountId?: string },
  ): Promise<ImportPreview> {
    const ledger = await loadLedger(this.db, userId);
    if (file.accountId !== undefined && !ledger.accounts.some((account) => account.id === file.accountId)) {
      throw new AppError('account_not_found');
    }
    const read = readImportFile(file.text, {
      accounts: ledger.accounts,
      defaultAccountId: file.accountId,
      today: this.today(),
    });
    const errors = [...read.errors];
    const reject = (rows: ImportRow[], problems: ImportProblem[]) => {
      errors.push(...problems);
      const refused = new Set(problems.map((problem) => problem.line));
      return rows.filter((row) => !refused.has(row.line));
    };
    let rows = reject(read.rows, await this.symbolProblems(read.rows));
    rows = reject(rows, await this.fxProblems(rows, ledger.accounts));
    const flags = await this.duplicates(userId, rows);
    const oversold = oversellProblems(ledger.transactions, rows, flags);
    const duplicates = flags.filter(
      (_, index) => !oversold.some((problem) => problem.line === rows[index]?.line),
    );
    rows = reject(rows, oversold);
    errors.sort((a, b) => a.line - b.line || a.field.localeCompare(b.field));

    const previewId = await repo.insertPreview(this.db, {
      userId,
      accountId: file.accountId,
      fileName: file.fileName,
      rows,
      errors,
      expiresAt: new Date(this.clock.now() + PREVIEW_TTL_MS),
    });
    return {
      previewId,
      rows: rows.map((row, index) => ({ ...row, duplicate: duplicates[index] ?? false })),
      errors,
      duplicates: duplicates.filter(Boolean).length,
    };
  }

  async commit(userId: string, previewId: string): Promise<{ imported: number; skippedDuplicates: number }> {
    const result = await this.db.transaction(async (transaction) => {
      const tx = transaction as unknown as Database;
      const preview = await repo.takePreview(tx, userId, previewId, new Date(this.clock.now()));
      if (!preview) throw new AppError('import_not_found');
      if (preview.errors.length > 0) throw new AppError('import_has_errors');
      // The same lock as every other write to these accounts' ledgers (see LedgerService).
      await lockAccounts(tx, userId, [...new Set(preview.rows.map((row) => row.accountId))]);
      const ledger = await loadLedger(tx, userId);
      const accountIds = new Set(ledger.accounts.map((account) => account.id));
      const gone = preview.rows.find((row) => !accountIds.has(row.accountId));
      if (gone) {
        throw new AppError(
          'account_not_found',
          `The account of line ${gone.line} was deleted since the preview.`,
        );
      }
      const fx = await this.fxProblems(preview.rows, ledger.accounts, tx);
      if (fx.length > 0) throw new AppError('fx_rate_required', undefined, problemFields(fx));
      const duplicates = await this.duplicates(userId, preview.rows, tx);
      const oversold = oversellProblems(ledger.transactions, preview.rows, duplicates);
      if (oversold.length > 0) {
        throw new AppError('insufficient_quantity', oversold[0]?.message, problemFields(oversold));
      }
      const fresh = preview.rows.filter((_, index) => !duplicates[index]);
      await insertTransactions(
        tx,
        userId,
        fresh.map(({ line: _line, ...input }) => input),
      );
      return { imported: fresh.length, skippedDuplicates: preview.rows.length - fresh.length };
    });
    if (result.imported > 0) this.events.emit('portfolio.ledgerChanged', { userId });
    return result;
  }

  async export(userId: string, format: 'csv' | 'json'): Promise<ExportFile> {
    const ledger = await loadLedger(this.db, userId);
    const names = new Map(ledger.accounts.map((account) => [account.id, account.name]));
    const now = new Date(this.clock.now()).toISOString();
    const fileName = `transactions-${now.slice(0, 10)}.${format}`;
    return format === 'csv'
      ? { body: exportCsv(ledger.transactions, names), contentType: 'text/csv; charset=utf-8', fileName }
      : {
          body: exportJson(ledger.transactions, names, now),
          contentType: 'application/json; charset=utf-8',
          fileName,
        };
  }

  /** Removes the previews that expired; answers how many. */
  sweep(): Promise<number> {
    return repo.deleteExpiredPreviews(this.db, new Date(this.clock.now()));
  }

  /**
   * Symbols that are not symbols, or that nobody knows: each distinct symbol is looked up once (a
   * live quote, then the instruments already described, then the provider).
   */
  private async symbolProblems(rows: readonly ImportRow[]): Promise<ImportProblem[]> {
    const distinct = [...new Set(rows.flatMap((row) => (row.symbol ? [row.symbol] : [])))];
    const wellFormed = distinct.filter((symbol) => normalizeSymbol(symbol) !== null);
    const described = await repo.knownInstruments(this.db, wellFormed);
    const toAsk = wellFormed.filter((symbol) => !described.has(symbol) && !this.hub.peek(symbol));
    const unknown = new Set<string>();
    for (let start = 0; start < toAsk.length; start += SYMBOL_LOOKUPS_AT_ONCE) {
      const batch = toAsk.slice(start, start + SYMBOL_LOOKUPS_AT_ONCE);
      const quotes = await Promise.all(batch.map((symbol) => this.hub.getQuote(symbol)));
      batch.forEach((symbol, index) => {
        if (!quotes[index]) unknown.add(symbol);
      });
    }
    return rows.flatMap((row) => {
      if (!row.symbol) return [];
      if (normalizeSymbol(row.symbol) === null) {
        return [{ line: row.line, field: 'symbol', message: `"${row.symbol}" is not a valid symbol.` }];
      }
      if (unknown.has(row.symbol)) {
        return [
          {
            line: row.line,
            field: 'symbol',
            message: `No stock or instrument with the symbol ${row.symbol} was found.`,
          },
        ];
      }
      return [];
    });
  }

  /** Rows in another currency than their account's, without fxRate, on a day with no stored rate. */
  private async fxProblems(
    rows: readonly ImportRow[],
    accounts: readonly LedgerAccount[],
    db: Database = this.db,
  ): Promise<ImportProblem[]> {
    const currencyOf = new Map(accounts.map((account) => [account.id, account.currency]));
    const needing = rows.filter(
      (row) => row.fxRate === undefined && row.currency !== currencyOf.get(row.accountId),
    );
    if (needing.length === 0) return [];
    const currencies = new Set(needing.flatMap((row) => [row.currency, currencyOf.get(row.accountId) ?? '']));
    const symbols = [...currencies].flatMap(fxPairSymbols);
    const fx = new FxTable(await loadDailyCloses(db, symbols, '1900-01-01'));
    return needing.flatMap((row) => {
      const to = currencyOf.get(row.accountId) ?? '';
      if (fx.rate(row.currency, to, row.date) !== null) return [];
      return [
        {
          line: row.line,
          field: 'fxRate',
          message: `No ${row.currency}/${to} exchange rate is known on or before ${row.date}: give fxRate.`,
        },
      ];
    });
  }

  /**
   * Which rows the ledger already holds: the n-th row of the file with a given content is a
   * duplicate when the ledger holds at least n transactions with it (so the same file twice adds
   * nothing, and two identical fills in one file are both kept).
   */
  private async duplicates(userId: string, rows: readonly ImportRow[], db: Database = this.db) {
    const keys = rows.map(contentKey);
    const stored = await repo.contentKeyCounts(db, userId, keys);
    const seen = new Map<string, number>();
    return keys.map((key) => {
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      return nth <= (stored.get(key) ?? 0);
    });
  }
}

/**
 * Whether the ledger with the new rows (duplicates left out) ever sells more than it holds: the
 * problem is told on the row that sells, or, when the oversold sell is already in the ledger, on
 * the file's last row of that position dated on or before it (what made it oversold).
 */
function oversellProblems(
  existing: readonly LedgerTransaction[],
  rows: readonly ImportRow[],
  duplicates: readonly boolean[],
): ImportProblem[] {
  let entry = existing.reduce((highest, tx) => Math.max(highest, tx.entry), 0);
  const added = rows
    .filter((_, index) => !duplicates[index])
    .map((row) => toLedgerTransaction(row, `${ROW_ID}${row.line}`, ++entry));
  const { oversold } = replayQuantities([...existing, ...added].sort(inLedgerOrder));
  if (!oversold) return [];
  const held = `more ${oversold.symbol} than the account holds on ${oversold.date}`;
  if (oversold.id.startsWith(ROW_ID)) {
    return [
      { line: Number(oversold.id.slice(ROW_ID.length)), field: 'quantity', message: `This sells ${held}.` },
    ];
  }
  const cause = added
    .filter(
      (tx) =>
        tx.accountId === oversold.accountId && tx.symbol === oversold.symbol && tx.date <= oversold.date,
    )
    .at(-1);
  if (!cause) return [];
  return [
    {
      line: Number(cause.id.slice(ROW_ID.length)),
      field: 'quantity',
      message: `With this row, the sell of ${oversold.quantity?.toFixed()} on ${oversold.date} already recorded sells ${held}.`,
    },
  ];
}

/** Problems as an error's fields: `line 12` → its messages. */
function problemFields(problems: readonly ImportProblem[]): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const problem of problems) {
    const key = `line ${problem.line}.${problem.field}`;
    fields[key] = [...(fields[key] ?? []), problem.message];
  }
  return fields;
}
