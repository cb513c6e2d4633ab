import { useCallback, useEffect, useState } from 'react';
import { api, type Invite } from '../api';
import { useSessionEndedHandler } from '../session';
import { problem, when } from './admin-format';

const LIFETIMES = [1, 7, 30, 90];

/** Invitations: create one (its link shown once, to copy), list them, revoke an open one. */
export function InvitesSection({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [days, setDays] = useState(7);
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const handleError = useSessionEndedHandler(onSessionEnded);

  const failed = useCallback(
    (err: unknown, fallback: string) => {
      handleError(err);
      setError(problem(err, fallback));
    },
    [handleError],
  );
  const load = useCallback(() => {
    api
      .invites()
      .then((answer) => setInvites(answer.items))
      .catch((err: unknown) => failed(err, 'Could not load the invitations.'));
  }, [failed]);
  useEffect(load, [load]);

  const create = async () => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      setLink((await api.createInvite(days)).url);
      load();
    } catch (err) {
      failed(err, 'Could not create an invitation.');
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    setError(null);
    try {
      await api.revokeInvite(id);
      load();
    } catch (err) {
      failed(err, 'Could not revoke the invitation.');
    }
  };

  const copy = () => {
    if (!link) return;
    navigator.clipboard.writeText(link).then(
      () => setCopied(true),
      () => setError('The browser did not let the page copy: select the link and copy it.'),
    );
  };

  return (
    <div className="admin-section">
      <p className="hint">
        An invitation makes one account. Registration by invitation only is set on the server
        (REGISTRATION=invite); with open registration anyone may register anyway.
      </p>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="invite-days">Valid for</label>
          <select id="invite-days" value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {LIFETIMES.map((each) => (
              <option key={each} value={each}>
                {each === 1 ? '1 day' : `${each} days`}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="primary" disabled={busy} onClick={create}>
          Create invitation
        </button>
      </div>
      {link && (
        <div className="secret-box" role="status">
          <p>Send this link to the person you invite. It is shown only now.</p>
          <code className="secret" data-testid="invite-link">
            {link}
          </code>
          <button type="button" className="link-button" onClick={copy}>
            {copied ? 'Copied' : 'Copy link'}
          </button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {invites && invites.length === 0 && <p className="muted">No invitations yet.</p>}
      {invites && invites.length > 0 && (
        <div className="table-scroll">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Used by</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.map((invite) => (
                <tr key={invite.id}>
                  <td>{invite.status}</td>
                  <td>
                    {when(invite.createdAt)}
                    {invite.createdBy && <div className="muted small">by {invite.createdBy}</div>}
                  </td>
                  <td>{when(invite.expiresAt)}</td>
                  <td>{invite.usedBy ?? '–'}</td>
                  <td>
                    <button type="button" className="link-button danger" onClick={() => revoke(invite.id)}>
                      {invite.status === 'open' ? 'Revoke' : 'Remove'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
