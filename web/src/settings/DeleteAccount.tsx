import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api';
import { ReauthenticationFields } from './ReauthenticationFields';

/** Take everything away (the export), or delete the account with all of it (password and, if on, a code). */
export function DeleteAccountSection({
  onDeleted,
  onError,
}: {
  onDeleted: () => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .deleteAccount({ password, ...(code.trim() ? { code: code.trim() } : {}) })
      .then(onDeleted)
      .catch((err: unknown) => {
        onError(err);
        setError(
          err instanceof ApiError
            ? (Object.values(err.fields)[0]?.[0] ?? err.message)
            : 'Could not delete the account.',
        );
      })
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Your data</h2>
      <p className="hint">
        Everything your account holds (watchlist, alerts and their firings, channels without their secrets,
        notifications, settings, the security log) as one JSON file.
      </p>
      <p>
        <a className="button-link" href={api.exportUrl} download>
          Export my data
        </a>
      </p>
      <h3>Delete account</h3>
      <p className="hint">
        Deletes the account and everything of it, at once and for good; every device is signed out.
      </p>
      {!open ? (
        <button type="button" className="danger" onClick={() => setOpen(true)}>
          Delete account…
        </button>
      ) : (
        <form className="inline-form" onSubmit={submit} noValidate aria-label="Delete account">
          <ReauthenticationFields
            password={password}
            code={code}
            codeLabel="Two-factor code (if on)"
            codeRequired={false}
            onPassword={setPassword}
            onCode={setCode}
          />
          <button type="submit" className="danger" disabled={busy || !password}>
            Delete for good
          </button>
          <button type="button" className="link-button" onClick={() => setOpen(false)}>
            Keep it
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
