import { parse } from 'csv-parse/sync';
import { AppError } from '../../errors.js';
import { Decimal, decimalString } from '../decimal.js';
import { AMOUNT_TYPES, type TransactionType } from '../ledger.js';
import { type TransactionInput, transactionBody } from '../portfolio.schemas.js';
import { checkTransactionInput } from '../transaction-input.js';
import {
  columnOfHeader,
  type DateOrder,
  type DateSeparator,
  type DecimalMark,
  dateOrders,
  decimalMarkOf,
  IMPORT_COLUMNS,
  type ImportColumn,
  NUMBER_COLUMNS,
  readDate,
  readNumber,
  typeOfWord,
} from './import-values.js';

/**
 * Reading an import file into transactions, with no I/O: CSV (our own columns or common broker
 * headers), our JSON export and Ghostfolio's export JSON. Each row becomes a transaction checked by
 * the API's own schema and rules, or problems naming its line and field; what needs the ledger
 * (symbols, exchange rates, overselling, duplicates) is checked by the service afterwards.
 */

/** One problem of one row. Line 1 is a CSV's header; a JSON file's first item is line 2. */
export interface ImportProblem {
  line: number;
  field: string;
  message: string;
}

export interface ImportRow extends TransactionInput {
  line: number;
}

export interface ImportAccount {
  id: string;
  name: string;
  currency: string;
}

export interface ReadContext {
  /** The caller's accounts: a row's `account` names one of them. */
  accounts: readonly ImportAccount[];
  /** The account of rows that name none (the form's `accountId`), if one was chosen. */
  defaultAccountId?: string;
  /** YYYY-MM-DD: later dates are refused, as the API refuses them. */
  today: string;
}

/** More rows than this in one file are refused as a whole (a 10 MB file could hold 200,000). */
const MAX_IMPORT_ROWS = 50_000;

/** A row as read from the file, each value as written (numbers still in the file's notation). */
interface RawRow {
  line: number;
  values: Partial<Record<ImportColumn, string>>;
  /** Ghostfolio's activities carry a symbol even where ours must not (a fee, interest): dropped. */
  dropSymbol?: boolean;
  /** Problems found while reading the row, before it is checked. */
  problems?: ImportProblem[];
}

/** How the file writes numbers and dates: settled once for the whole file. */
interface Notation {
  mark: DecimalMark | null;
  dateOrders: ReadonlyMap<DateSeparator, DateOrder | 'conflicting'>;
}

function fileError(message: string): AppError {
  return new AppError('validation_error', message, { file: [message] });
}

/** Reads `text` (a CSV or JSON file, BOM and all) into checked rows and the problems of the others. */
export function readImportFile(
  text: string,
  context: ReadContext,
): { rows: ImportRow[]; errors: ImportProblem[] } {
  const content = text.replace(/^\uFEFF/, '');
  const { raws, notation } = /^\s*[[{]/.test(content) ? readJson(content) : readCsv(content);
  if (raws.length === 0) throw fileError('The file has no rows.');
  if (raws.length > MAX_IMPORT_ROWS) {
    throw fileError(`The file has ${raws.length} rows; at most ${MAX_IMPORT_ROWS} can be imported at once.`);
  }
  const rows: ImportRow[] = [];
  const errors: ImportProblem[] = [];
  for (const raw of raws) {
    const result = checkRow(raw, notation, context);
    if ('problems' in result) errors.push(...result.problems);
    else rows.push(result.row);
  }
  return { rows, errors };
}

// ---------- CSV ----------

/** The separator the header line uses most: semicolon, comma or tab. */
function separatorOf(content: string): string {
  const header = content.split(/\r?\n/, 1)[0] ?? '';
  const counts = [';', ',', '\t'].map((separator) => ({
    separator,
    count: header.split(separator).length - 1,
  }));
  counts.sort((a, b) => b.count - a.count);
  return counts[0]?.count ? (counts[0].separator as string) : ',';
}

function readCsv(content: string): { raws: RawRow[]; notation: Notation } {
  const delimiter = separatorOf(content);
  let records: Array<{ record: string[]; info: { lines: number }; raw: string }>;
  try {
    records = parse(content, {
      delimiter,
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw fileError(`The file is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header) throw fileError('The file is empty.');
  const columns = header.record.map(columnOfHeader);
  const seen = new Set<ImportColumn>();
  for (const column of columns) {
    if (column === undefined) continue;
    if (seen.has(column)) throw fileError(`Two columns of the header mean ${column}: keep one.`);
    seen.add(column);
  }
  for (const required of ['date', 'type'] as const) {
    if (!seen.has(required)) {
      throw fileError(
        `The header has no ${required} column (it reads ${IMPORT_COLUMNS.join(', ')} and common names for them).`,
      );
    }
  }
  const raws = body.map(({ record, info, raw }) => {
    const values: RawRow['values'] = {};
    columns.forEach((column, index) => {
      const value = record[index];
      if (column && value !== undefined && value !== '') values[column] = value;
    });
    // csv-parse counts lines to the record's end; a quoted field may span several.
    const line = info.lines - (raw.replace(/\r?\n$/, '').split('\n').length - 1);
    return { line, values };
  });
  const numberCells = raws.flatMap((raw: RawRow) =>
    NUMBER_COLUMNS.map((column) => raw.values[column]).filter((value) => value !== undefined),
  );
  const dateCells = raws.map((raw) => raw.values.date ?? '');
  // A comma-separated file writes decimals with the point (a decimal comma would clash with the
  // separator); a semicolon- or tab-separated one says which by its numbers.
  const mark = delimiter === ',' ? '.' : decimalMarkOf(numberCells);
  return { raws, notation: { mark, dateOrders: dateOrders(dateCells) } };
}

// ---------- JSON ----------

const JSON_NOTATION: Notation = { mark: '.', dateOrders: new Map() };

function asText(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function readJson(content: string): { raws: RawRow[]; notation: Notation } {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    throw fileError(`The file is not valid JSON: ${(error as Error).message}`);
  }
  const object = (document ?? {}) as Record<string, unknown>;
  if (Array.isArray(object.activities)) return { raws: ghostfolioRows(object), notation: JSON_NOTATION };
  if (Array.isArray(object.transactions)) {
    const raws = (object.transactions as unknown[]).map((item, index) => {
      const entry = (item ?? {}) as Record<string, unknown>;
      const values: RawRow['values'] = {};
      for (const column of IMPORT_COLUMNS) {
        const value = asText(entry[column]);
        if (value !== undefined) values[column] = value;
      }
      return { line: index + 2, values };
    });
    return { raws, notation: JSON_NOTATION };
  }
  throw fileError(
    'This JSON is neither our export ({"transactions": [...]}) nor a Ghostfolio export ({"activities": [...]}).',
  );
}

/**
 * Ghostfolio's activities (`{type, quantity, unitPrice, fee, currency, date, symbol, accountId,
 * comment}`) as our rows: a dividend or interest is quantity × unitPrice, a fee activity's amount is
 * its `fee`; its `accountId` is named by the account's name in the export's `accounts`.
 */
function ghostfolioRows(document: Record<string, unknown>): RawRow[] {
  const accountNames = new Map<string, string>();
  for (const account of Array.isArray(document.accounts) ? document.accounts : []) {
    const { id, name } = (account ?? {}) as { id?: unknown; name?: unknown };
    if (typeof id === 'string' && typeof name === 'string') accountNames.set(id, name);
  }
  return (document.activities as unknown[]).map((item, index) => {
    const activity = (item ?? {}) as Record<string, unknown>;
    const line = index + 2;
    const word = asText(activity.type) ?? '';
    const type = typeOfWord(word);
    const accountId = asText(activity.accountId);
    const values: RawRow['values'] = {
      date: asText(activity.date),
      symbol: asText(activity.symbol),
      currency: asText(activity.currency),
      note: asText(activity.comment),
      fee: asText(activity.fee),
      quantity: asText(activity.quantity),
      price: asText(activity.unitPrice),
      type: word,
    };
    if (accountId !== undefined) values.account = accountNames.get(accountId) ?? accountId;
    if (['ITEM', 'LIABILITY'].includes(word.toUpperCase())) {
      const message = `Ghostfolio's ${word.toUpperCase()} activities (valuables and debts) have no counterpart here.`;
      return { line, values, problems: [{ line, field: 'type', message }] };
    }
    return { line, values, dropSymbol: type === 'fee' || type === 'interest' };
  });
}

// ---------- checking ----------

function decimalOf(text: string | undefined): Decimal | undefined {
  return text === undefined ? undefined : new Decimal(text);
}

/**
 * A dividend, interest, deposit, withdrawal or fee written the broker's way (quantity and price, no
 * amount) as ours: the amount is price × quantity (quantity 1 when absent); a fee row with neither
 * is its `fee` (Ghostfolio's way).
 */
function amountTheBrokersWay(input: Record<string, string | undefined>, type: TransactionType): void {
  if (!AMOUNT_TYPES.includes(type) || input.amount !== undefined) return;
  const price = decimalOf(input.price);
  if (price !== undefined) {
    input.amount = decimalString(price.times(decimalOf(input.quantity) ?? 1));
    input.price = undefined;
    input.quantity = undefined;
  }
  const noAmount = input.amount === undefined || new Decimal(input.amount).isZero();
  if (type === 'fee' && noAmount && input.fee !== undefined) {
    input.amount = input.fee;
    input.fee = undefined;
  }
}

function checkRow(
  raw: RawRow,
  notation: Notation,
  context: ReadContext,
): { row: ImportRow } | { problems: ImportProblem[] } {
  const { line, values } = raw;
  const problems: ImportProblem[] = [...(raw.problems ?? [])];
  const problem = (field: string, message: string) => problems.push({ line, field, message });

  const input: Record<string, string | undefined> = { note: values.note, ratio: values.ratio };
  const type = values.type === undefined ? undefined : typeOfWord(values.type);
  if (values.type === undefined) problem('type', 'Type is required.');
  else if (type === undefined && problems.length === 0) {
    problem(
      'type',
      `"${values.type}" is not a type: use buy, sell, dividend, fee, interest, deposit, withdrawal or split.`,
    );
  }
  input.type = type;

  let account: ImportAccount | undefined;
  if (values.account !== undefined) {
    account = context.accounts.find((candidate) => candidate.name === values.account?.trim());
    if (!account) problem('account', `You have no account named "${values.account}".`);
  } else {
    account = context.accounts.find((candidate) => candidate.id === context.defaultAccountId);
    if (!account)
      problem('account', 'No account: choose one for the import, or name it in an account column.');
  }
  input.accountId = account?.id;
  input.currency = values.currency ?? account?.currency;

  if (values.date === undefined) problem('date', 'Date is required.');
  else {
    const date = readDate(values.date, notation.dateOrders);
    if (typeof date === 'string') input.date = date;
    else problem('date', date.problem);
  }
  for (const column of NUMBER_COLUMNS) {
    const cell = values[column];
    if (cell === undefined) continue;
    const number = readNumber(cell, notation.mark);
    if (typeof number === 'string') input[column] = number;
    else problem(column, number.problem);
  }
  if (!raw.dropSymbol) input.symbol = values.symbol;
  if (type !== undefined) amountTheBrokersWay(input, type);
  if (problems.length > 0) return { problems };

  const parsed = transactionBody.safeParse(
    Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
  );
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        line,
        field: String(issue.path[0] ?? 'row'),
        message: issue.message,
      })),
    };
  }
  const ruleProblems = checkTransactionInput(parsed.data, context.today);
  if (ruleProblems.length > 0) {
    return { problems: ruleProblems.map(({ field, message }) => ({ line, field, message })) };
  }
  return { row: { ...parsed.data, symbol: parsed.data.symbol?.toUpperCase(), line } };
}
