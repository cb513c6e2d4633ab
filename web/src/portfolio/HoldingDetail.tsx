import { useEffect, useState } from 'react';
import { api, type Transaction } from '../api';
import { formatMoney, formatPrice, formatQuantity, formatSignedMoney } from '../format';
import { followLink, stockPath } from '../router';
import type { LiveHolding } from './live-holdings';
import { TYPE_LABELS, transactionDetails } from './transaction-text';

const n = (text: string | null): number | null => (text === null ? null : Number(text));

/** Where a holding's figures come from: the price and FX rate used, and the transactions behind it. */
export function HoldingDetail({
  row,
  baseCurrency,
  accountId,
  onError,
}: {
  row: LiveHolding;
  baseCurrency: string;
  accountId: string | undefined;
  onError: (error: unknown) => void;
}) {
  const { holding } = row;
  const [transactions, setTransactions] = useState<Transaction[] | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    api
      .transactions({ symbol: holding.symbol, account: accountId, pageSize: 500 })
      .then((answer) => setTransactions(answer.transactions))
      .catch((error: unknown) => {
        onError(error);
        setFailed(true);
      });
  }, [holding.symbol, accountId, onError]);

  const currency = holding.currency;
  return (
    <div className="holding-detail">
      <dl className="stats">
        <Stat label="Quantity" value={formatQuantity(row.quantity)} />
        <Stat label="Price used" value={formatPrice(row.price, currency)} />
        <Stat label="Value (quantity × price)" value={formatMoney(row.value, currency)} />
        <Stat label="Cost" value={formatMoney(row.cost, currency)} />
        <Stat label="Average cost" value={formatPrice(n(holding.averageCost), currency)} />
        <Stat label="Unrealized" value={formatSignedMoney(row.unrealized, currency)} />
        <Stat label="Realized" value={formatSignedMoney(n(holding.realized), currency)} />
        <Stat label="Dividends" value={formatMoney(n(holding.dividends), currency)} />
        {currency !== baseCurrency && (
          <>
            <Stat label={`FX rate ${currency}→${baseCurrency}`} value={holding.base.fxRate ?? 'none known'} />
            <Stat label={`Value in ${baseCurrency}`} value={formatMoney(row.baseValue, baseCurrency)} />
            <Stat label={`Cost in ${baseCurrency}`} value={formatMoney(n(holding.base.cost), baseCurrency)} />
            <Stat
              label="Currency effect"
              value={formatSignedMoney(n(holding.base.currencyEffect), baseCurrency)}
            />
          </>
        )}
      </dl>
      <h3>Transactions in {holding.symbol}</h3>
      {failed && <p className="form-error">Could not load the transactions.</p>}
      {transactions && <TransactionLines transactions={transactions} />}
      <p className="small">
        <a href={stockPath(holding.symbol)} onClick={followLink}>
          {holding.symbol}'s page
        </a>
      </p>
    </div>
  );
}

/** Transactions as read-only lines, oldest first (the order their figures were worked out in). */
export function TransactionLines({ transactions }: { transactions: Transaction[] }) {
  if (transactions.length === 0) return <p className="muted small">No transactions.</p>;
  const ordered = [...transactions].sort(
    (a, b) => a.date.localeCompare(b.date) || a.createdAt.localeCompare(b.createdAt),
  );
  return (
    <ul className="transaction-lines">
      {ordered.map((t) => (
        <li key={t.id}>
          <span className="muted">{t.date}</span> <strong>{TYPE_LABELS[t.type]}</strong>{' '}
          {transactionDetails(t)}
          {t.note && <span className="muted"> · {t.note}</span>}
        </li>
      ))}
    </ul>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
