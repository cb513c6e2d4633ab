import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, type PortfolioAccount, type Transaction, type TransactionInput } from '../api';
import { TYPE_LABELS } from './transaction-text';

type TransactionType = Transaction['type'];
type Field = 'symbol' | 'quantity' | 'price' | 'fee' | 'amount' | 'tax' | 'ratio' | 'fxRate';
type Values = Record<Field | 'accountId' | 'type' | 'currency' | 'date' | 'note', string>;

/** The fields each type carries (besides account, currency, date and note). */
const FIELDS: Record<TransactionType, Field[]> = {
  buy: ['symbol', 'quantity', 'price', 'fee', 'fxRate'],
  sell: ['symbol', 'quantity', 'price', 'fee', 'fxRate'],
  dividend: ['symbol', 'amount', 'tax', 'fxRate'],
  deposit: ['amount', 'fxRate'],
  withdrawal: ['amount', 'fxRate'],
  fee: ['amount', 'fxRate'],
  interest: ['amount', 'fxRate'],
  split: ['symbol', 'ratio'],
};

const LABELS: Record<Field, string> = {
  symbol: 'Symbol',
  quantity: 'Quantity',
  price: 'Price',
  fee: 'Fee',
  amount: 'Amount',
  tax: 'Withholding tax',
  ratio: 'Ratio (new:old)',
  fxRate: 'FX rate to the account (optional)',
};

const PLACEHOLDERS: Partial<Record<Field, string>> = {
  symbol: 'AAPL',
  quantity: '10',
  price: '100.00',
  fee: '0',
  amount: '1000.00',
  tax: '0',
  ratio: '4:1',
};

const TYPES = Object.keys(FIELDS) as TransactionType[];

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function initialValues(accounts: PortfolioAccount[], existing?: Transaction): Values {
  const account = accounts.find((a) => a.id === existing?.accountId) ?? accounts[0];
  return {
    accountId: existing?.accountId ?? account?.id ?? '',
    type: existing?.type ?? 'buy',
    symbol: existing?.symbol ?? '',
    quantity: existing?.quantity ?? '',
    price: existing?.price ?? '',
    fee: existing?.fee ?? '',
    amount: existing?.amount ?? '',
    tax: existing?.tax ?? '',
    ratio: existing?.ratio ?? '',
    fxRate: existing?.fxRate ?? '',
    currency: existing?.currency ?? account?.currency ?? 'USD',
    date: existing?.date ?? today(),
    note: existing?.note ?? '',
  };
}

/**
 * Records or changes a transaction. The fields follow the type (a buy: quantity, price and fee; a
 * dividend: amount and tax; a split: its ratio); the server's reasons are shown under each field.
 */
export function TransactionForm({
  accounts,
  existing,
  onSaved,
  onCancel,
  onError,
}: {
  accounts: PortfolioAccount[];
  existing?: Transaction;
  onSaved: () => void;
  onCancel: () => void;
  onError: (error: unknown) => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Values>(() => initialValues(accounts, existing));
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const type = values.type as TransactionType;
  const shown = FIELDS[type];

  useEffect(() => {
    form.current?.querySelector<HTMLElement>('select, input')?.focus();
  }, []);

  const set = (name: keyof Values, value: string) => setValues((current) => ({ ...current, [name]: value }));
  const changeAccount = (accountId: string) => {
    const account = accounts.find((a) => a.id === accountId);
    setValues((current) => ({ ...current, accountId, currency: account?.currency ?? current.currency }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    const input: TransactionInput = {
      accountId: values.accountId,
      type,
      currency: values.currency,
      date: values.date,
    };
    for (const field of shown) {
      const value = values[field].trim();
      if (value !== '') input[field] = field === 'symbol' ? value.toUpperCase() : value;
    }
    if (values.note.trim() !== '') input.note = values.note.trim();
    try {
      if (existing) await api.updateTransaction(existing.id, input);
      else await api.createTransaction(input);
      onSaved();
    } catch (err) {
      onError(err);
      if (err instanceof ApiError) {
        setFields(err.fields);
        setError(err.message);
      } else {
        setError('Could not save the transaction.');
      }
    } finally {
      setBusy(false);
    }
  };

  const invalid = (name: string) =>
    fields[name]?.length ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${name}-error` } : {};
  const fieldError = (name: string) =>
    fields[name]?.length ? (
      <p className="field-error" id={`${id}-${name}-error`}>
        {fields[name].join(' ')}
      </p>
    ) : null;
  const shownNames = new Set<string>([...shown, 'accountId', 'type', 'currency', 'date', 'note']);
  const otherReasons = Object.entries(fields).filter(([name]) => !shownNames.has(name));

  return (
    <form
      className="transaction-form"
      ref={form}
      onSubmit={submit}
      noValidate
      aria-label={existing ? 'Edit transaction' : 'Add a transaction'}
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            value={type}
            disabled={existing !== undefined}
            onChange={(event) => set('type', event.target.value)}
          >
            {TYPES.map((option) => (
              <option key={option} value={option}>
                {TYPE_LABELS[option]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-accountId`}>Account</label>
          <select
            id={`${id}-accountId`}
            value={values.accountId}
            onChange={(event) => changeAccount(event.target.value)}
            {...invalid('accountId')}
          >
            {accounts.map((account) => (
              <option key={account.id} value={account.id}>
                {account.name} ({account.currency})
              </option>
            ))}
          </select>
          {fieldError('accountId')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-date`}>Date</label>
          <input
            id={`${id}-date`}
            type="date"
            value={values.date}
            max={today()}
            onChange={(event) => set('date', event.target.value)}
            {...invalid('date')}
          />
          {fieldError('date')}
        </div>
        {shown.map((field) => (
          <div className="field" key={field}>
            <label htmlFor={`${id}-${field}`}>{LABELS[field]}</label>
            <input
              id={`${id}-${field}`}
              value={values[field]}
              placeholder={PLACEHOLDERS[field]}
              inputMode={field === 'symbol' || field === 'ratio' ? undefined : 'decimal'}
              autoCapitalize={field === 'symbol' ? 'characters' : undefined}
              spellCheck={false}
              onChange={(event) => set(field, event.target.value)}
              {...invalid(field)}
            />
            {fieldError(field)}
          </div>
        ))}
        <div className="field">
          <label htmlFor={`${id}-currency`}>Currency</label>
          <input
            id={`${id}-currency`}
            value={values.currency}
            maxLength={3}
            autoCapitalize="characters"
            onChange={(event) => set('currency', event.target.value.toUpperCase())}
            {...invalid('currency')}
          />
          {fieldError('currency')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <input
            id={`${id}-note`}
            value={values.note}
            onChange={(event) => set('note', event.target.value)}
            {...invalid('note')}
          />
          {fieldError('note')}
        </div>
      </div>
      {error && (
        <div className="form-error" role="alert">
          {/* The message once: not again when it is a field's own reason, shown under the field. */}
          {!Object.values(fields).some((messages) => messages.includes(error)) && <p>{error}</p>}
          {otherReasons.length > 0 && (
            <ul>
              {otherReasons.map(([name, messages]) => (
                <li key={name}>{messages.join(' ')}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {existing ? 'Save changes' : 'Add transaction'}
        </button>
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
