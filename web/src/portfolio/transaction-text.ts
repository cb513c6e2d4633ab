import type { Transaction } from '../api';
import { formatMoney, formatPrice, formatQuantity } from '../format';

export const TYPE_LABELS: Record<Transaction['type'], string> = {
  buy: 'Buy',
  sell: 'Sell',
  dividend: 'Dividend',
  fee: 'Fee',
  interest: 'Interest',
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  split: 'Split',
};

const n = (text: string | null): number | null => (text === null ? null : Number(text));

/** What a transaction did, in a line: "10 @ $100.00, fee $1.00", "$50.00, tax $7.50", "4:1". */
export function transactionDetails(t: Transaction): string {
  const money = (text: string | null) => formatMoney(n(text), t.currency);
  const parts: string[] = [];
  if (t.type === 'buy' || t.type === 'sell') {
    parts.push(`${formatQuantity(n(t.quantity))} @ ${formatPrice(n(t.price), t.currency)}`);
    if (n(t.fee)) parts.push(`fee ${money(t.fee)}`);
  } else if (t.type === 'split') {
    parts.push(`${t.ratio ?? '?'} (new:old)`);
  } else {
    parts.push(money(t.amount));
    if (n(t.tax)) parts.push(`tax ${money(t.tax)}`);
  }
  if (t.fxRate !== null) parts.push(`FX ${t.fxRate}`);
  return parts.join(', ');
}
