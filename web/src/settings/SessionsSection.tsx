import { useCallback, useEffect, useId, useState } from 'react';
import { api, type SessionListItem } from '../api';
import { formatDateTime } from '../format';
import { errorText } from './error-text';

/** Where the account is signed in, this browser marked; sign out any one, or all the others. */
export function SessionsSection({
  onError,
  onSignedOut,
}: {
  onError: (err: unknown) => void;
  /** This browser's own session was ended from the list. */
  onSignedOut: () => void;
}) {
  const id = useId();
  const [sessions, setSessions] = useState<SessionListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(() => {
    api
      .sessions()
      .then(({ items }) => {
        setSessions(items);
        setError(null);
      })
      .catch((err: unknown) => {
        onError(err);
        setError(errorText(err, 'Could not load your sessions.'));
      });
  }, [onError]);
  useEffect(load, [load]);

  const end = (session: SessionListItem) => {
    setStatus(null);
    api
      .endSession(session.id)
      .then(() => {
        if (session.current) onSignedOut();
        else {
          setStatus(`Signed out ${session.device ?? 'that session'}.`);
          load();
        }
      })
      .catch((err: unknown) => {
        onError(err);
        setError(errorText(err, 'Could not sign it out.'));
      });
  };

  const endOthers = () => {
    setStatus(null);
    api
      .endOtherSessions()
      .then(({ sessionsEnded }) => {
        setStatus(
          sessionsEnded === 0
            ? 'No other sessions were signed in.'
            : `Signed out ${sessionsEnded} other ${sessionsEnded === 1 ? 'session' : 'sessions'}.`,
        );
        load();
      })
      .catch((err: unknown) => {
        onError(err);
        setError(errorText(err, 'Could not sign them out.'));
      });
  };

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Sessions</h2>
      <p className="hint">Where your account is signed in. Signing one out closes it there at once.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!sessions && !error && <p className="muted small">Loading your sessions…</p>}
      {sessions && (
        <ul className="channel-list" aria-label="Signed-in sessions">
          {sessions.map((session) => {
            const name = session.device ?? session.userAgent ?? 'Unknown device';
            return (
              <li key={session.id} className="channel" data-session-id={session.id}>
                <div>
                  <strong>{name}</strong>
                  {session.current && <span className="session-current">This browser</span>}
                  <p className="muted small channel-detail">
                    {session.address ?? 'Unknown address'} · signed in {formatDateTime(session.createdAt)} ·
                    last seen {formatDateTime(session.lastSeenAt)}
                  </p>
                </div>
                <div className="rule-actions">
                  <button
                    type="button"
                    className="link-button danger"
                    aria-label={session.current ? 'Sign out this browser' : `Sign out ${name}`}
                    onClick={() => end(session)}
                  >
                    Sign out
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <p className="small">
        <button
          type="button"
          className="link-button"
          disabled={!sessions || sessions.length < 2}
          onClick={endOthers}
        >
          Sign out everywhere else
        </button>
      </p>
      <p className="small" role="status">
        {status}
      </p>
    </section>
  );
}
