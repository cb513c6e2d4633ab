import { type FormEvent, memo, useId, useState } from 'react';
import { ApiError, api, type PortfolioAccount } from '../api';
import { ConfirmButton } from '../ConfirmButton';
import { formatMoney } from '../format';

type FieldErrors = Record<string, string[]>;

function fieldsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? error.fields : {};
}
function messageOf(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

/** The user's accounts (a broker, a retirement account, cash): open, rename, delete. */
export const AccountsSection = memo(function AccountsSection({
  accounts,
  onChanged,
  onError,
}: {
  accounts: PortfolioAccount[];
  onChanged: () => void;
  onError: (error: unknown) => void;
}) {
  const [error, setError] = useState<string | null>(null);

  const remove = (account: PortfolioAccount) => {
    setError(null);
    api
      .deletePortfolioAccount(account.id, account.transactionCount > 0)
      .then(onChanged)
      .catch((err: unknown) => {
        onError(err);
        setError(messageOf(err, `Could not delete ${account.name}.`));
      });
  };

  return (
    <section aria-labelledby="accounts-title">
      <h2 id="accounts-title">Accounts</h2>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {accounts.length > 0 && (
        <ul className="account-list">
          {accounts.map((account) => (
            <AccountItem
              key={account.id}
              account={account}
              onChanged={onChanged}
              onError={onError}
              onDelete={remove}
            />
          ))}
        </ul>
      )}
      <AccountForm onCreated={onChanged} onError={onError} />
    </section>
  );
});

function AccountItem({
  account,
  onChanged,
  onError,
  onDelete,
}: {
  account: PortfolioAccount;
  onChanged: () => void;
  onError: (error: unknown) => void;
  onDelete: (account: PortfolioAccount) => void;
}) {
  const id = useId();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(account.name);
  const [error, setError] = useState<string | null>(null);

  const rename = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    api
      .updateAccount(account.id, { name })
      .then(() => {
        setRenaming(false);
        onChanged();
      })
      .catch((err: unknown) => {
        onError(err);
        setError(fieldsOf(err).name?.[0] ?? messageOf(err, 'Could not rename it.'));
      });
  };

  const count = account.transactionCount;
  return (
    <li data-account={account.name}>
      {renaming ? (
        <form className="inline-form" onSubmit={rename} noValidate>
          <label htmlFor={`${id}-name`} className="visually-hidden">
            New name for {account.name}
          </label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" className="link-button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
          {error && (
            <p className="field-error" id={`${id}-error`}>
              {error}
            </p>
          )}
        </form>
      ) : (
        <>
          <span className="account-name">{account.name}</span>
          <span className="muted small">
            {account.currency} · cash {formatMoney(Number(account.cash), account.currency)} · {count}{' '}
            {count === 1 ? 'transaction' : 'transactions'}
          </span>
          <span className="account-actions">
            <button
              type="button"
              className="link-button"
              aria-label={`Rename ${account.name}`}
              onClick={() => {
                setName(account.name);
                setRenaming(true);
              }}
            >
              Rename
            </button>
            <ConfirmButton
              action={
                count > 0 ? `Delete with ${count} ${count === 1 ? 'transaction' : 'transactions'}` : 'Delete'
              }
              subject={account.name}
              onConfirm={() => onDelete(account)}
            />
          </span>
        </>
      )}
    </li>
  );
}

function AccountForm({ onCreated, onError }: { onCreated: () => void; onError: (error: unknown) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    api
      .createAccount({ name, currency })
      .then(() => {
        setName('');
        onCreated();
      })
      .catch((err: unknown) => {
        onError(err);
        setFields(fieldsOf(err));
        setError(messageOf(err, 'Could not open the account.'));
      })
      .finally(() => setBusy(false));
  };

  const invalid = (field: string) =>
    fields[field]?.length
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${field}-error` }
      : {};
  const fieldError = (field: string) =>
    fields[field]?.length ? (
      <p className="field-error" id={`${id}-${field}-error`}>
        {fields[field].join(' ')}
      </p>
    ) : null;

  return (
    <form className="account-form" onSubmit={submit} noValidate aria-label="Open an account">
      <div className="field">
        <label htmlFor={`${id}-name`}>Account name</label>
        <input
          id={`${id}-name`}
          value={name}
          placeholder="Broker, retirement, cash…"
          onChange={(event) => setName(event.target.value)}
          {...invalid('name')}
        />
        {fieldError('name')}
      </div>
      <div className="field">
        <label htmlFor={`${id}-currency`}>Account currency</label>
        <input
          id={`${id}-currency`}
          value={currency}
          maxLength={3}
          autoCapitalize="characters"
          onChange={(event) => setCurrency(event.target.value.toUpperCase())}
          {...invalid('currency')}
        />
        {fieldError('currency')}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Open account
      </button>
      {error && Object.keys(fields).length === 0 && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
