import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { api, type Passkey } from '../api';
import { ConfirmButton } from '../ConfirmButton';
import { formatDateTime } from '../format';
import { createPasskey, passkeyErrorMessage, passkeysSupported } from '../passkey-ceremony';
import { deviceName } from '../push';

/** The account's passkeys: add one (named), rename, remove. */
export function PasskeysSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const supported = useMemo(passkeysSupported, []);
  const [items, setItems] = useState<Passkey[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState(deviceName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .passkeys()
      .then((answer) => setItems(answer.items))
      .catch((err: unknown) => {
        onError(err);
        setLoadError(passkeyErrorMessage(err, 'Could not load your passkeys.'));
      });
  }, [onError]);

  const add = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    createPasskey(name.trim() || deviceName())
      .then((passkey) => setItems((current) => [...(current ?? []), passkey]))
      .catch((err: unknown) => {
        onError(err);
        setError(passkeyErrorMessage(err, 'Could not add the passkey.'));
      })
      .finally(() => setBusy(false));
  };
  const replaced = (passkey: Passkey) =>
    setItems((current) => current?.map((p) => (p.id === passkey.id ? passkey : p)) ?? null);
  const removed = (passkeyId: string) =>
    setItems((current) => current?.filter((p) => p.id !== passkeyId) ?? null);

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Passkeys</h2>
      <p className="hint">
        Sign in with your fingerprint, face or device PIN instead of your password. A passkey stands for both
        the password and a second factor.
      </p>
      {loadError && <p className="form-error">{loadError}</p>}
      {!items && !loadError && <p className="muted small">Loading your passkeys…</p>}
      {items?.length === 0 && <p className="muted small">No passkeys yet.</p>}
      {items && items.length > 0 && (
        <ul className="channel-list" aria-label="Your passkeys">
          {items.map((passkey) => (
            <PasskeyItem
              key={passkey.id}
              passkey={passkey}
              onRenamed={replaced}
              onRemoved={removed}
              onError={onError}
            />
          ))}
        </ul>
      )}
      {supported ? (
        <form className="inline-form" onSubmit={add}>
          <div className="field">
            <label htmlFor={`${id}-name`}>New passkey’s name</label>
            <input id={`${id}-name`} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Add a passkey
          </button>
        </form>
      ) : (
        <p className="muted small">This browser cannot create passkeys.</p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function PasskeyItem({
  passkey,
  onRenamed,
  onRemoved,
  onError,
}: {
  passkey: Passkey;
  onRenamed: (passkey: Passkey) => void;
  onRemoved: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(passkey.name);
  const [error, setError] = useState<string | null>(null);

  const rename = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    api
      .renamePasskey(passkey.id, name)
      .then((answer) => {
        onRenamed(answer.passkey);
        setRenaming(false);
      })
      .catch((err: unknown) => {
        onError(err);
        setError(passkeyErrorMessage(err, 'Could not rename it.'));
      });
  };
  const remove = () => {
    setError(null);
    api
      .deletePasskey(passkey.id)
      .then(() => onRemoved(passkey.id))
      .catch((err: unknown) => {
        onError(err);
        setError(passkeyErrorMessage(err, 'Could not remove it.'));
      });
  };

  return (
    <li className="channel" data-passkey-id={passkey.id}>
      {renaming ? (
        <form className="inline-form" onSubmit={rename}>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="primary">
            Save name
          </button>
          <button type="button" className="link-button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div>
          <strong>{passkey.name}</strong>
          {passkey.backedUp && <span className="muted small"> · synced</span>}
          <p className="muted small channel-detail">
            Added {formatDateTime(passkey.createdAt)} · last used{' '}
            {passkey.lastUsedAt ? formatDateTime(passkey.lastUsedAt) : 'never'}
          </p>
        </div>
      )}
      {!renaming && (
        <div className="rule-actions">
          <button
            type="button"
            className="link-button"
            aria-label={`Rename ${passkey.name}`}
            onClick={() => {
              setName(passkey.name);
              setRenaming(true);
            }}
          >
            Rename
          </button>
          <ConfirmButton action="Remove" subject={passkey.name} onConfirm={remove} />
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
