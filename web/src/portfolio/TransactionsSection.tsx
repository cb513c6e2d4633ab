import { memo, useEffect, useState } from 'react';
import { ApiError, api, type PortfolioAccount, type Transaction } from '../api';
import { ConfirmButton } from '../ConfirmButton';
import { TransactionForm } from './TransactionForm';
import { TYPE_LABELS, transactionDetails } from './transaction-text';

const PAGE_SIZE = 50;

/** Transactions as entered, newest first, a page at a time: add, edit, delete. */
export const TransactionsSection = memo(function TransactionsSection({
  accounts,
  accountId,
  version,
  onChanged,
  onError,
}: {
  accounts: PortfolioAccount[];
  /** Only this account's, when one is chosen (the page gives each account its own list, by key). */
  accountId: string | undefined;
  /** Changes whenever the ledger changed (the list is read again). */
  version: number;
  onChanged: () => void;
  onError: (error: unknown) => void;
}) {
  const [page, setPage] = useState(1);
  const [list, setList] = useState<{ transactions: Transaction[]; total: number } | null>(null);
  const [editing, setEditing] = useState<Transaction | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .transactions({ account: accountId, page, pageSize: PAGE_SIZE })
      .then((answer) => {
        if (!cancelled) setList(answer);
      })
      .catch((err: unknown) => {
        onError(err);
        if (!cancelled) setError(err instanceof ApiError ? err.message : 'Could not load the transactions.');
      });
    return () => {
      cancelled = true;
    };
  }, [accountId, page, version, onError]);

  const remove = (transaction: Transaction) => {
    setError(null);
    api
      .deleteTransaction(transaction.id)
      .then(onChanged)
      .catch((err: unknown) => {
        onError(err);
        setError(err instanceof ApiError ? err.message : 'Could not delete the transaction.');
      });
  };

  const saved = () => {
    setEditing(null);
    onChanged();
  };
  const accountName = new Map(accounts.map((account) => [account.id, account.name]));
  const pages = list ? Math.max(1, Math.ceil(list.total / PAGE_SIZE)) : 1;

  return (
    <section aria-labelledby="transactions-title">
      <div className="card-header">
        <h2 id="transactions-title">Transactions</h2>
        {editing === null && (
          <button
            type="button"
            className="link-button"
            disabled={accounts.length === 0}
            title={accounts.length === 0 ? 'Open an account first' : undefined}
            onClick={() => setEditing('new')}
          >
            Add transaction
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {editing === 'new' && (
        <TransactionForm
          accounts={accounts}
          onSaved={saved}
          onCancel={() => setEditing(null)}
          onError={onError}
        />
      )}
      {list && list.transactions.length === 0 && <p className="muted small">No transactions yet.</p>}
      {list && list.transactions.length > 0 && (
        <div className="table-scroll">
          <table className="watchlist transactions">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Type</th>
                <th scope="col">Symbol</th>
                <th scope="col">Details</th>
                <th scope="col" className="hide-narrow">
                  Account
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.transactions.map((transaction) =>
                editing !== 'new' && editing?.id === transaction.id ? (
                  <tr key={transaction.id}>
                    <td colSpan={6}>
                      <TransactionForm
                        accounts={accounts}
                        existing={transaction}
                        onSaved={saved}
                        onCancel={() => setEditing(null)}
                        onError={onError}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={transaction.id} data-transaction={transaction.id}>
                    <td>{transaction.date}</td>
                    <td>{TYPE_LABELS[transaction.type]}</td>
                    <td>{transaction.symbol ?? '—'}</td>
                    <td>
                      {transactionDetails(transaction)}
                      {transaction.note && <span className="muted"> · {transaction.note}</span>}
                    </td>
                    <td className="hide-narrow">{accountName.get(transaction.accountId) ?? '—'}</td>
                    <td className="actions">
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Edit the ${transaction.type} of ${transaction.date}`}
                        onClick={() => setEditing(transaction)}
                      >
                        Edit
                      </button>
                      <ConfirmButton
                        action="Delete"
                        subject={`the ${transaction.type} of ${transaction.date}`}
                        onConfirm={() => remove(transaction)}
                      />
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
      {list && pages > 1 && (
        <nav className="pager" aria-label="Transaction pages">
          <button
            type="button"
            className="link-button"
            disabled={page <= 1}
            onClick={() => setPage(page - 1)}
          >
            Newer
          </button>
          <span className="muted small">
            Page {page} of {pages}
          </span>
          <button
            type="button"
            className="link-button"
            disabled={page >= pages}
            onClick={() => setPage(page + 1)}
          >
            Older
          </button>
        </nav>
      )}
    </section>
  );
});
