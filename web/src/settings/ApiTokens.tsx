import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { ApiError, type ApiTokenView, api, type TokenScope } from '../api';
import { ConfirmButton } from '../ConfirmButton';
import { formatDateTime } from '../format';

const SCOPES: Array<{ value: TokenScope; label: string }> = [
  { value: 'read', label: 'Read: watchlist, quotes, history, alerts, notifications, the live stream' },
  { value: 'watchlist:write', label: 'Change the watchlist and its columns' },
  { value: 'alerts:write', label: 'Change alerts, channels and notifications' },
  { value: 'portfolio:write', label: 'Change holdings (when the app has them)' },
];

const EXPIRIES: Array<{ value: string; label: string }> = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

function message(err: unknown, fallback: string): string {
  if (err instanceof ApiError) return Object.values(err.fields)[0]?.[0] ?? err.message;
  return err instanceof Error ? err.message : fallback;
}

/**
 * Personal API tokens, for scripts: make one (shown once, with a copy button), see each one's last
 * four characters and when it was made, last used and expires, and revoke it.
 */
export function ApiTokensSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [tokens, setTokens] = useState<ApiTokenView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);

  const load = useCallback(() => {
    api
      .tokens()
      .then((answer) => {
        setTokens(answer.items);
        setLoadError(null);
      })
      .catch((err: unknown) => {
        onError(err);
        setLoadError(message(err, 'Could not load your tokens.'));
      });
  }, [onError]);
  useEffect(load, [load]);

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>API tokens</h2>
      <p className="hint">
        A script can call the API with a token: send it as <code>Authorization: Bearer st_…</code>. It can do
        only what its scopes allow, and never change your password, sign-in or tokens.
      </p>
      {created && <NewToken name={created.name} token={created.token} onDone={() => setCreated(null)} />}
      {loadError && <p className="form-error">{loadError}</p>}
      {!tokens && !loadError && <p className="muted small">Loading your tokens…</p>}
      {tokens?.length === 0 && <p className="muted small">No tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <ul className="channel-list" aria-label="Your API tokens">
          {tokens.map((token) => (
            <TokenItem
              key={token.id}
              token={token}
              onRevoked={() => setTokens((current) => current?.filter((t) => t.id !== token.id) ?? null)}
              onError={onError}
            />
          ))}
        </ul>
      )}
      <CreateTokenForm
        onCreated={(view, token) => {
          setCreated({ name: view.name, token });
          load();
        }}
        onError={onError}
      />
    </section>
  );
}

function NewToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="secret-box" role="status">
      <p>
        The token “{name}”. Copy it now: it is not shown again. Anyone who has it can do what its scopes
        allow; keep it like a password, and revoke it here if it leaks.
      </p>
      <code className="secret" data-testid="new-api-token">
        {token}
      </code>
      <div className="rule-actions">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            navigator.clipboard
              ?.writeText(token)
              .then(() => setCopied(true))
              .catch(() => setCopied(false));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="link-button" onClick={onDone}>
          Done
        </button>
      </div>
      {copied === false && <p className="small">Copying was refused: select the token and copy it.</p>}
    </div>
  );
}

function TokenItem({
  token,
  onRevoked,
  onError,
}: {
  token: ApiTokenView;
  onRevoked: () => void;
  onError: (err: unknown) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now();

  const revoke = () => {
    setError(null);
    api
      .revokeToken(token.id)
      .then(onRevoked)
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not revoke it.'));
      });
  };

  return (
    <li className="channel" data-token-id={token.id}>
      <div>
        <strong>{token.name}</strong> <code>…{token.lastFour}</code>
        {expired && <span className="rule-status status-paused">expired</span>}
        <p className="muted small channel-detail">{token.scopes.join(', ')}</p>
        <p className="muted small channel-detail">
          Created {formatDateTime(token.createdAt)} · last used{' '}
          {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'never'} ·{' '}
          {token.expiresAt
            ? `${expired ? 'expired' : 'expires'} ${formatDateTime(token.expiresAt)}`
            : 'never expires'}
        </p>
      </div>
      <div className="rule-actions">
        <ConfirmButton action="Revoke" subject={token.name} onConfirm={revoke} />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function CreateTokenForm({
  onCreated,
  onError,
}: {
  onCreated: (view: { name: string }, token: string) => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [expiry, setExpiry] = useState('90');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (scope: TokenScope, on: boolean) =>
    setScopes((current) =>
      on
        ? SCOPES.map((s) => s.value).filter((s) => s === scope || current.includes(s))
        : current.filter((s) => s !== scope),
    );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .createToken({
        name: name.trim(),
        scopes,
        ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }),
      })
      .then((answer) => {
        onCreated(answer, answer.token);
        setName('');
      })
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not create the token.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Create a token</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={64}
            placeholder="price script"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires after</label>
          <select id={`${id}-expiry`} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRIES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="token-scopes">
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope.value} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope.value)}
              onChange={(e) => toggle(scope.value, e.target.checked)}
            />
            <code>{scope.value}</code> {scope.label}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={busy || name.trim() === '' || scopes.length === 0}>
        Create token
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
