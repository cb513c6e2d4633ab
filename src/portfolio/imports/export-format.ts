import { decimalString } from '../decimal.js';
import type { LedgerTransaction } from '../ledger.js';
import { IMPORT_COLUMNS, type ImportColumn } from './import-values.js';

/**
 * The export: every transaction in our import format (the same columns the import reads first), so
 * an export imports as it is. Numbers in plain notation with a decimal point, dates as YYYY-MM-DD,
 * in ledger order (date, then order of entry), so the import enters them in the same order.
 */

type ExportRecord = Record<ImportColumn, string | null>;

function recordOf(tx: LedgerTransaction, accountNames: ReadonlyMap<string, string>): ExportRecord {
  const decimal = (value: LedgerTransaction['quantity']) => (value === null ? null : decimalString(value));
  return {
    account: accountNames.get(tx.accountId) ?? null,
    date: tx.date,
    type: tx.type,
    symbol: tx.symbol,
    quantity: decimal(tx.quantity),
    price: decimal(tx.price),
    amount: decimal(tx.amount),
    fee: decimalString(tx.fee),
    tax: decimal(tx.tax),
    currency: tx.currency,
    fxRate: decimal(tx.fxRate),
    ratio: tx.split ? `${decimalString(tx.split.to)}:${decimalString(tx.split.from)}` : null,
    note: tx.note,
  };
}

/** A CSV field, quoted when it holds the separator, a quote or a line break (RFC 4180). */
function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function exportCsv(
  ledger: readonly LedgerTransaction[],
  accountNames: ReadonlyMap<string, string>,
): string {
  const lines = [IMPORT_COLUMNS.join(',')];
  for (const tx of ledger) {
    const record = recordOf(tx, accountNames);
    lines.push(IMPORT_COLUMNS.map((column) => csvField(record[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function exportJson(
  ledger: readonly LedgerTransaction[],
  accountNames: ReadonlyMap<string, string>,
  exportedAt: string,
): string {
  const document = {
    meta: { format: 'stock-tracker transactions', version: 1, exportedAt },
    transactions: ledger.map((tx) => recordOf(tx, accountNames)),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
