import { type FormEvent, memo, useId, useState } from 'react';
import { ApiError, api, type ImportPreview, type PortfolioAccount } from '../api';
import { TYPE_LABELS } from './transaction-text';

/** Rows of the preview shown in its table; the counts above it cover them all. */
const ROWS_SHOWN = 100;

type Step =
  | { step: 'choose' }
  | { step: 'preview'; preview: ImportPreview; fileName: string }
  | { step: 'done'; imported: number; skipped: number };

/**
 * Importing a file of transactions: choose the file and the account, see what the server read (each
 * bad row's line, field and reason, how many rows are already there), then confirm; nothing is
 * written before that, and then every row or none.
 */
export const ImportWizard = memo(function ImportWizard({
  accounts,
  onImported,
  onError,
}: {
  accounts: PortfolioAccount[];
  onImported: () => void;
  onError: (error: unknown) => void;
}) {
  const id = useId();
  const [state, setState] = useState<Step>({ step: 'choose' });
  const [file, setFile] = useState<File | null>(null);
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosenAccount = accounts.some((a) => a.id === accountId) ? accountId : (accounts[0]?.id ?? '');

  const explain = (err: unknown, fallback: string) => {
    onError(err);
    setError(err instanceof ApiError ? (Object.values(err.fields)[0]?.[0] ?? err.message) : fallback);
  };

  const preview = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) {
      setError('Choose a file first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setState({
        step: 'preview',
        preview: await api.previewImport(file, chosenAccount),
        fileName: file.name,
      });
    } catch (err) {
      explain(err, 'Could not read the file.');
    } finally {
      setBusy(false);
    }
  };

  const commit = async (previewId: string) => {
    setBusy(true);
    setError(null);
    try {
      const { imported, skippedDuplicates } = await api.commitImport(previewId);
      setState({ step: 'done', imported, skipped: skippedDuplicates });
      setFile(null);
      onImported();
    } catch (err) {
      explain(err, 'Could not import the file.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="import-wizard">
      <h2 id={`${id}-title`}>Import transactions</h2>
      {state.step === 'choose' && (
        <form onSubmit={preview} noValidate aria-label="Choose a file to import">
          <p className="hint">
            CSV (comma or semicolon; columns such as date, symbol, type, quantity, price, fee, currency) or a
            Ghostfolio export. Nothing is written until you confirm the preview.
          </p>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-file`}>File</label>
              <input
                id={`${id}-file`}
                type="file"
                accept=".csv,.json,text/csv,application/json"
                onChange={(event) => setFile(event.target.files?.[0] ?? null)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-account`}>Into account</label>
              <select
                id={`${id}-account`}
                value={chosenAccount}
                onChange={(event) => setAccountId(event.target.value)}
              >
                {accounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name} ({account.currency})
                  </option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" className="primary" disabled={busy || accounts.length === 0}>
            Preview
          </button>
        </form>
      )}
      {state.step === 'preview' && (
        <PreviewStep
          preview={state.preview}
          fileName={state.fileName}
          busy={busy}
          onConfirm={() => void commit(state.preview.previewId)}
          onBack={() => {
            setError(null);
            setState({ step: 'choose' });
          }}
        />
      )}
      {state.step === 'done' && (
        <div role="status">
          <p className="notice">
            Imported {state.imported} {state.imported === 1 ? 'transaction' : 'transactions'}
            {state.skipped > 0 ? `; ${state.skipped} already there were skipped` : ''}.
          </p>
          <button type="button" className="link-button" onClick={() => setState({ step: 'choose' })}>
            Import another file
          </button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
});

function PreviewStep({
  preview,
  fileName,
  busy,
  onConfirm,
  onBack,
}: {
  preview: ImportPreview;
  fileName: string;
  busy: boolean;
  onConfirm: () => void;
  onBack: () => void;
}) {
  const fresh = preview.rows.length - preview.duplicates;
  const bad = preview.errors.length > 0;
  return (
    <div className="import-preview">
      <p data-testid="import-summary">
        {fileName}: {preview.rows.length} {preview.rows.length === 1 ? 'row' : 'rows'} read,{' '}
        {preview.errors.length} with errors, {preview.duplicates} already imported.
      </p>
      {bad && (
        <>
          <h3>Rows to fix</h3>
          <p className="hint">
            Nothing can be imported while a row has an error: fix the file and choose it again.
          </p>
          <table className="watchlist import-errors">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Field</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {preview.errors.map((error) => (
                <tr key={`${error.line}-${error.field}-${error.message}`}>
                  <td>{error.line}</td>
                  <td>{error.field}</td>
                  <td>{error.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {preview.rows.length > 0 && (
        <div className="table-scroll">
          <table className="watchlist import-rows">
            <caption className="muted small">
              {preview.rows.length > ROWS_SHOWN ? `The first ${ROWS_SHOWN} rows` : 'The rows'} as read
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Date</th>
                <th scope="col">Type</th>
                <th scope="col">Symbol</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Price / amount
                </th>
                <th scope="col">Currency</th>
                <th scope="col">
                  <span className="visually-hidden">Already imported</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.slice(0, ROWS_SHOWN).map((row) => (
                <tr key={row.line} className={row.duplicate ? 'duplicate' : undefined}>
                  <td>{row.line}</td>
                  <td>{row.date}</td>
                  <td>{TYPE_LABELS[row.type]}</td>
                  <td>{row.symbol ?? '—'}</td>
                  <td className="num">{row.quantity ?? row.ratio ?? '—'}</td>
                  <td className="num">{row.price ?? row.amount ?? '—'}</td>
                  <td>{row.currency}</td>
                  <td className="muted small">{row.duplicate ? 'already there' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="primary" disabled={busy || bad || fresh === 0} onClick={onConfirm}>
          {fresh === 0
            ? 'Nothing new to import'
            : `Import ${fresh} ${fresh === 1 ? 'transaction' : 'transactions'}`}
        </button>
        <button type="button" className="link-button" onClick={onBack}>
          Back
        </button>
      </div>
    </div>
  );
}
