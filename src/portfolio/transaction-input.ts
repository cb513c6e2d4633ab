import { createHash } from 'node:crypto';
import { Decimal, decimalString } from './decimal.js';
import { AMOUNT_TYPES, type LedgerTransaction, SYMBOL_TYPES } from './ledger.js';
import type { TransactionInput } from './portfolio.schemas.js';

/**
 * What one transaction must carry for its type, beyond its fields' formats (the schema's part):
 * shared by the API's writes and the import's rows, so both refuse the same things with the same
 * words. Answers each problem with the field it is about.
 */
export interface InputProblem {
  field: string;
  message: string;
}

function positive(value: string | undefined): boolean {
  return value !== undefined && new Decimal(value).greaterThan(0);
}

function notNegative(value: string | undefined): boolean {
  return value === undefined || !new Decimal(value).isNegative();
}

/** Problems of `input` on its own; `today` (YYYY-MM-DD) is the latest date allowed. */
export function checkTransactionInput(input: TransactionInput, today: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const needsSymbol = SYMBOL_TYPES.includes(input.type);
  if (needsSymbol && !input.symbol) {
    problems.push({ field: 'symbol', message: `A ${input.type} needs a symbol.` });
  }
  if (!needsSymbol && input.symbol) {
    problems.push({ field: 'symbol', message: `A ${input.type} has no symbol.` });
  }
  if (input.type === 'buy' || input.type === 'sell') {
    if (!positive(input.quantity))
      problems.push({ field: 'quantity', message: 'Quantity must be more than 0.' });
    if (!positive(input.price)) problems.push({ field: 'price', message: 'Price must be more than 0.' });
  } else {
    if (input.quantity !== undefined) {
      problems.push({ field: 'quantity', message: `A ${input.type} has no quantity.` });
    }
    if (input.price !== undefined)
      problems.push({ field: 'price', message: `A ${input.type} has no price.` });
  }
  if (AMOUNT_TYPES.includes(input.type)) {
    if (!positive(input.amount)) problems.push({ field: 'amount', message: 'Amount must be more than 0.' });
  } else if (input.amount !== undefined) {
    problems.push({ field: 'amount', message: `A ${input.type} has no amount; give quantity and price.` });
  }
  if (input.type === 'split') {
    const [to, from] = (input.ratio ?? '').split(':');
    if (!input.ratio)
      problems.push({ field: 'ratio', message: 'A split needs its ratio, new:old, e.g. 4:1.' });
    else if (!positive(to) || !positive(from)) {
      problems.push({ field: 'ratio', message: 'Neither side of a split ratio may be 0.' });
    }
  } else if (input.ratio !== undefined) {
    problems.push({ field: 'ratio', message: 'Only a split has a ratio.' });
  }
  if (input.tax !== undefined && input.type !== 'dividend') {
    problems.push({ field: 'tax', message: 'Only a dividend has withholding tax.' });
  }
  if (input.type === 'dividend' && input.tax !== undefined && input.amount !== undefined) {
    if (new Decimal(input.tax).greaterThan(input.amount)) {
      problems.push({ field: 'tax', message: 'Tax cannot be more than the dividend.' });
    }
  }
  if (!notNegative(input.fee)) problems.push({ field: 'fee', message: 'Fee cannot be negative.' });
  if (!notNegative(input.tax)) problems.push({ field: 'tax', message: 'Tax cannot be negative.' });
  if (input.fxRate !== undefined && !positive(input.fxRate)) {
    problems.push({ field: 'fxRate', message: 'FX rate must be more than 0.' });
  }
  if (input.date > today) problems.push({ field: 'date', message: 'The date is in the future.' });
  return problems;
}

function canonical(value: string | undefined): string {
  return value === undefined ? '' : decimalString(new Decimal(value));
}

/**
 * What a transaction is, as a hash of its content (account, type, symbol, amounts, currency, date;
 * not the note): a row imported again is recognised and skipped, whatever its spelling of the
 * numbers ("10.0" and "10" are one quantity).
 */
export function contentKey(input: TransactionInput): string {
  const parts = [
    input.accountId,
    input.type,
    input.symbol?.toUpperCase() ?? '',
    canonical(input.quantity),
    canonical(input.price),
    canonical(input.amount),
    canonical(input.fee ?? '0'),
    canonical(input.tax),
    input.currency,
    input.date,
    canonical(input.fxRate),
    input.ratio ?? '',
  ];
  return createHash('sha256').update(parts.join('|')).digest('base64url');
}

/** A checked input as the ledger reads it (`id` and `entry` as the caller has them, e.g. not yet stored). */
export function toLedgerTransaction(input: TransactionInput, id: string, entry: number): LedgerTransaction {
  const decimal = (value: string | undefined) => (value === undefined ? null : new Decimal(value));
  const [to, from] = input.ratio ? input.ratio.split(':') : [];
  return {
    id,
    entry,
    accountId: input.accountId,
    type: input.type,
    symbol: input.symbol?.toUpperCase() ?? null,
    quantity: decimal(input.quantity),
    price: decimal(input.price),
    amount: decimal(input.amount),
    fee: new Decimal(input.fee ?? '0'),
    tax: decimal(input.tax),
    currency: input.currency,
    date: input.date,
    fxRate: decimal(input.fxRate),
    split: to && from ? { to: new Decimal(to), from: new Decimal(from) } : null,
    note: input.note ?? null,
  };
}
