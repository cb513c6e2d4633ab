import { useCallback, useEffect, useId, useState } from 'react';
import { api, type SecurityEventItem } from '../api';
import { formatDateTime } from '../format';
import { errorText } from './error-text';

/** What each kind of security event says to the user; kinds not listed show as they are named. */
const KIND_TEXT: Record<string, string> = {
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in',
  logout: 'Signed out',
  password_changed: 'Password changed',
  password_reset_requested: 'Password reset asked for',
  password_reset: 'Password reset by email',
  email_verified: 'Email address confirmed',
  session_revoked: 'A session signed out',
  sessions_ended: 'Signed out everywhere else',
  totp_enabled: 'Two-factor sign-in turned on',
  totp_disabled: 'Two-factor sign-in turned off',
  recovery_code_used: 'Recovery code used',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  token_created: 'API token created',
  token_revoked: 'API token revoked',
};

/** The account's security log, newest first, with "Show older" for the next page. */
export function SecurityLogSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [items, setItems] = useState<SecurityEventItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    (before?: string) => {
      setBusy(true);
      api
        .securityLog(before)
        .then((page) => {
          setItems((current) => (before && current ? [...current, ...page.items] : page.items));
          setNext(page.next);
          setError(null);
        })
        .catch((err: unknown) => {
          onError(err);
          setError(errorText(err, 'Could not load the security log.'));
        })
        .finally(() => setBusy(false));
    },
    [onError],
  );
  useEffect(() => load(), [load]);

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Security log</h2>
      <p className="hint">Sign-ins, failures and changes to your account's security, newest first.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!items && !error && <p className="muted small">Loading the log…</p>}
      {items?.length === 0 && <p className="muted small">Nothing yet.</p>}
      {items && items.length > 0 && (
        <ul className="channel-list" aria-label="Security events">
          {items.map((item) => (
            <li key={item.id} className="channel">
              <div>
                <strong>{KIND_TEXT[item.kind] ?? item.kind}</strong>
                <p className="muted small channel-detail">
                  {formatDateTime(item.createdAt)}
                  {item.device || item.userAgent ? ` · ${item.device ?? item.userAgent}` : ''}
                  {item.address ? ` · ${item.address}` : ''}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <p className="small">
          <button type="button" className="link-button" disabled={busy} onClick={() => load(next)}>
            Show older
          </button>
        </p>
      )}
    </section>
  );
}
