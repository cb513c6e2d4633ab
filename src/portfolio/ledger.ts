import { Decimal, ZERO } from './decimal.js';

/**
 * The ledger's vocabulary, shared by the holdings, performance and import code: a transaction as the
 * figures read it (exact decimals), its order, and what it does to an account's cash and units.
 */

export const TRANSACTION_TYPES = [
  'buy',
  'sell',
  'dividend',
  'fee',
  'interest',
  'deposit',
  'withdrawal',
  'split',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** Types that name a symbol (and those that must not). */
export const SYMBOL_TYPES: readonly TransactionType[] = ['buy', 'sell', 'dividend', 'split'];
/** Types whose money is `amount` (a buy and a sell have quantity and price instead). */
export const AMOUNT_TYPES: readonly TransactionType[] = [
  'dividend',
  'fee',
  'interest',
  'deposit',
  'withdrawal',
];
/** External flows: money put into or taken out of the portfolio (what money-weighted returns weigh). */
export const EXTERNAL_FLOW_TYPES: readonly TransactionType[] = ['deposit', 'withdrawal'];

export interface LedgerTransaction {
  readonly id: string;
  /** Order of entry: orders the transactions of one date. */
  readonly entry: number;
  readonly accountId: string;
  readonly type: TransactionType;
  readonly symbol: string | null;
  readonly quantity: Decimal | null;
  readonly price: Decimal | null;
  readonly amount: Decimal | null;
  readonly fee: Decimal;
  readonly tax: Decimal | null;
  /** ISO 4217 code of price, amount, fee and tax. */
  readonly currency: string;
  /** YYYY-MM-DD. */
  readonly date: string;
  /** Units of the account's currency per unit of `currency`, when given. */
  readonly fxRate: Decimal | null;
  /** A split's ratio, new shares to old (4:1 is `{ to: 4, from: 1 }`). */
  readonly split: { readonly to: Decimal; readonly from: Decimal } | null;
  readonly note: string | null;
}

/** Ledger order: by date, then by order of entry. */
export function inLedgerOrder(a: LedgerTransaction, b: LedgerTransaction): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.entry - b.entry;
}

/**
 * What a transaction does to its account's cash, in the transaction's currency: a buy costs
 * quantity x price, a sell brings it in, a dividend brings its gross amount less the tax withheld,
 * interest and deposits bring their amount, fees and withdrawals take theirs; any transaction's
 * `fee` is paid from cash too. A split moves no cash.
 */
export function cashEffect(tx: LedgerTransaction): Decimal {
  const amount = tx.amount ?? ZERO;
  let base: Decimal;
  switch (tx.type) {
    case 'buy':
      base = (tx.quantity ?? ZERO).times(tx.price ?? ZERO).negated();
      break;
    case 'sell':
      base = (tx.quantity ?? ZERO).times(tx.price ?? ZERO);
      break;
    case 'dividend':
      base = amount.minus(tx.tax ?? ZERO);
      break;
    case 'interest':
    case 'deposit':
      base = amount;
      break;
    case 'fee':
    case 'withdrawal':
      base = amount.negated();
      break;
    case 'split':
      base = ZERO;
      break;
  }
  return base.minus(tx.fee);
}

/** The key of a position: one symbol in one account. */
export function positionKey(accountId: string, symbol: string): string {
  return `${accountId}\u0000${symbol}`;
}

/**
 * Replays the units held per account and symbol over transactions in ledger order; answers them
 * and the first sell of more than was held at its date (none: `oversold` is null). A split
 * multiplies what is held by its ratio.
 */
export function replayQuantities(ordered: readonly LedgerTransaction[]): {
  quantities: Map<string, Decimal>;
  oversold: LedgerTransaction | null;
} {
  const quantities = new Map<string, Decimal>();
  let oversold: LedgerTransaction | null = null;
  for (const tx of ordered) {
    if (tx.symbol === null) continue;
    const key = positionKey(tx.accountId, tx.symbol);
    const held = quantities.get(key) ?? ZERO;
    if (tx.type === 'buy') quantities.set(key, held.plus(tx.quantity ?? ZERO));
    else if (tx.type === 'sell') {
      const left = held.minus(tx.quantity ?? ZERO);
      if (left.isNegative() && oversold === null) oversold = tx;
      quantities.set(key, left);
    } else if (tx.type === 'split' && tx.split) {
      quantities.set(key, held.times(tx.split.to).dividedBy(tx.split.from));
    }
  }
  return { quantities, oversold };
}

export { Decimal };
