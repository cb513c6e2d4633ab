import type { TransactionType } from '../ledger.js';

/**
 * How one cell of an imported file is read: column names, action words, numbers and dates. Pure:
 * the decisions that depend on the whole file (its decimal mark, the order of day and month) are
 * made once per file from these helpers' evidence, then applied to every cell the same way.
 */

/** The columns of our own format, in the order the export writes them. */
export const IMPORT_COLUMNS = [
  'account',
  'date',
  'type',
  'symbol',
  'quantity',
  'price',
  'amount',
  'fee',
  'tax',
  'currency',
  'fxRate',
  'ratio',
  'note',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** The numeric columns: read with the file's decimal mark. */
export const NUMBER_COLUMNS = ['quantity', 'price', 'amount', 'fee', 'tax', 'fxRate'] as const;

/** Header names each column answers to, compared without case, spaces, underscores or hyphens. */
const HEADER_ALIASES: Record<ImportColumn, readonly string[]> = {
  account: ['account'],
  date: ['date', 'tradedate'],
  type: ['type', 'action'],
  symbol: ['symbol', 'ticker', 'code'],
  quantity: ['quantity', 'qty', 'shares', 'units'],
  price: ['price', 'unitprice'],
  amount: ['amount'],
  fee: ['fee', 'commission'],
  tax: ['tax'],
  currency: ['currency', 'ccy'],
  fxRate: ['fxrate'],
  ratio: ['ratio'],
  note: ['note', 'comment'],
};

const COLUMN_OF_HEADER = new Map<string, ImportColumn>(
  IMPORT_COLUMNS.flatMap((column) => HEADER_ALIASES[column].map((alias) => [alias, column] as const)),
);

/** The column a header cell names, or undefined for a column we do not read (it is ignored). */
export function columnOfHeader(header: string): ImportColumn | undefined {
  return COLUMN_OF_HEADER.get(header.toLowerCase().replace(/[\s_-]/g, ''));
}

const TYPE_WORDS: Record<string, TransactionType> = {
  buy: 'buy',
  bought: 'buy',
  sell: 'sell',
  sold: 'sell',
  dividend: 'dividend',
  div: 'dividend',
  deposit: 'deposit',
  withdrawal: 'withdrawal',
  fee: 'fee',
  interest: 'interest',
  split: 'split',
};

/** Our type for an action word (any case), or undefined for a word we do not know. */
export function typeOfWord(word: string): TransactionType | undefined {
  return TYPE_WORDS[word.trim().toLowerCase()];
}

// ---------- numbers ----------

export type DecimalMark = '.' | ',';

/**
 * What a number cell says about the file's decimal mark: `.` or `,` when it can only be read one
 * way ("1,5", "1.234,56", "1,234,567"), `ambiguous` when it reads as two different numbers
 * ("1,234": one thousand two hundred and thirty-four, or one point two three four), `none` when the
 * mark does not matter ("12") or the cell is not a number at all.
 */
export function decimalEvidence(cell: string): DecimalMark | 'ambiguous' | 'none' {
  const text = cell.trim().replace(/^[-+]/, '');
  const commas = text.split(',').length - 1;
  const dots = text.split('.').length - 1;
  if (commas > 0 && dots > 0) return text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
  if (commas === 0 && dots === 0) return 'none';
  const mark: DecimalMark = commas > 0 ? ',' : '.';
  const other: DecimalMark = mark === ',' ? '.' : ',';
  // The same mark twice can only group thousands: the decimal mark is the other one.
  if (commas + dots > 1) return other;
  const [whole = '', fraction = ''] = text.split(mark);
  // A group of thousands has exactly three digits after a first group that does not start with 0.
  const couldGroup = fraction.length === 3 && /^[1-9]\d{0,2}$/.test(whole);
  return couldGroup ? 'ambiguous' : mark;
}

/** A number with `.` or `,` as its decimal mark, the other one grouping thousands in threes. */
const NUMBER_PATTERNS: Record<DecimalMark, RegExp> = {
  '.': /^([-+]?)(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?$/,
  ',': /^([-+]?)(\d{1,3}(?:\.\d{3})+|\d+)?(?:,(\d+))?$/,
};

/**
 * A number cell read with the file's decimal mark (`null`: the file did not settle it, so only
 * cells that read the same either way are numbers), as a plain decimal string; the other mark is
 * taken only as a well-formed thousands separator (groups of three).
 */
export function readNumber(cell: string, mark: DecimalMark | null): string | { problem: string } {
  const text = cell.trim();
  const evidence = decimalEvidence(text);
  if (mark === null && evidence !== 'none') {
    return {
      problem:
        evidence === 'ambiguous'
          ? `"${text}" could be read with the comma or the point as decimal mark, and the file does not say which.`
          : `"${text}": the file writes decimal numbers with both the point and the comma.`,
    };
  }
  const pattern = NUMBER_PATTERNS[mark ?? '.'];
  const match = pattern.exec(text);
  if (!match || (match[2] === undefined && match[3] === undefined)) {
    return { problem: `"${text}" is not a number.` };
  }
  const sign = match[1] === '-' ? '-' : '';
  const whole = (match[2] ?? '0').replace(/[.,]/g, '');
  return match[3] === undefined ? `${sign}${whole}` : `${sign}${whole}.${match[3]}`;
}

// ---------- dates ----------

/** Separators of day-and-month dates whose order a file can leave open. */
export type DateSeparator = '/' | '-';
export type DateOrder = 'day-first' | 'month-first';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DAY_MONTH_DATE = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[T ].*)?$/;

/**
 * What a date cell says about the order of its day and month: a first part over 12 can only be a
 * day, a second part over 12 only a day too (the file is month-first). Dotted dates are always
 * day-first (no locale writes month.day.year), and ISO dates say nothing.
 */
export function dateEvidence(cell: string): { separator: DateSeparator; order: DateOrder } | null {
  const match = DAY_MONTH_DATE.exec(cell.trim());
  if (!match || match[2] === '.') return null;
  const separator = match[2] as DateSeparator;
  if (Number(match[1]) > 12) return { separator, order: 'day-first' };
  if (Number(match[3]) > 12) return { separator, order: 'month-first' };
  return null;
}

/**
 * A date cell as YYYY-MM-DD (its time, if any, dropped: the date is the day as written). `orders`
 * holds each separator's order as the file settled it; where the file left it open, a date whose
 * day and month could be swapped is a problem, not a guess. The answer may name a day that does not
 * exist (2025-02-30): the schema refuses it.
 */
export function readDate(
  cell: string,
  orders: ReadonlyMap<DateSeparator, DateOrder | 'conflicting'>,
): string | { problem: string } {
  const text = cell.trim();
  const iso = ISO_DATE.exec(text) ?? COMPACT_DATE.exec(text);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const match = DAY_MONTH_DATE.exec(text);
  if (!match) {
    return { problem: `"${text}" is not a date: write YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY.` };
  }
  const [, first = '', separator = '', second = '', year = ''] = match;
  const pad = (part: string) => part.padStart(2, '0');
  if (separator === '.') return `${year}-${pad(second)}-${pad(first)}`;
  const evident = dateEvidence(text);
  if (evident) {
    return evident.order === 'day-first'
      ? `${year}-${pad(second)}-${pad(first)}`
      : `${year}-${pad(first)}-${pad(second)}`;
  }
  if (first === second) return `${year}-${pad(second)}-${pad(first)}`;
  const order = orders.get(separator as DateSeparator);
  if (order === 'day-first') return `${year}-${pad(second)}-${pad(first)}`;
  if (order === 'month-first') return `${year}-${pad(first)}-${pad(second)}`;
  return {
    problem:
      order === 'conflicting'
        ? `"${text}" is ambiguous: the file has dates written day first and others month first.`
        : `"${text}" is ambiguous: it could be day/month or month/day, and no other date in the file settles it. Write it as YYYY-MM-DD.`,
  };
}

/** The order of day and month per separator, from every date cell of a file. */
export function dateOrders(cells: Iterable<string>): Map<DateSeparator, DateOrder | 'conflicting'> {
  const orders = new Map<DateSeparator, DateOrder | 'conflicting'>();
  for (const cell of cells) {
    const evident = dateEvidence(cell);
    if (!evident) continue;
    const known = orders.get(evident.separator);
    orders.set(evident.separator, known && known !== evident.order ? 'conflicting' : evident.order);
  }
  return orders;
}

/** The decimal mark of a file from every number cell (null: not settled, or settled both ways). */
export function decimalMarkOf(cells: Iterable<string>): DecimalMark | null {
  let point = false;
  let comma = false;
  for (const cell of cells) {
    const evidence = decimalEvidence(cell);
    if (evidence === '.') point = true;
    if (evidence === ',') comma = true;
  }
  return point === comma ? null : point ? '.' : ',';
}
