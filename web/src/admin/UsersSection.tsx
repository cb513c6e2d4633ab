import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type AdminUser, api, type User, type UserChange } from '../api';
import { useSessionEndedHandler } from '../session';
import { problem, when } from './admin-format';

/** Accounts: search, disable or enable, promote or demote, delete (asked again first). */
export function UsersSection({ me, onSessionEnded }: { me: User; onSessionEnded: () => void }) {
  const [query, setQuery] = useState('');
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const handleError = useSessionEndedHandler(onSessionEnded);

  const load = useCallback(
    (search: string) => {
      api
        .adminUsers(search)
        .then((answer) => {
          setUsers(answer.items);
          setError(null);
        })
        .catch((err: unknown) => {
          handleError(err);
          setError(problem(err, 'Could not load the accounts.'));
        });
    },
    [handleError],
  );
  useEffect(() => load(''), [load]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    load(query.trim());
  };

  const act = async (user: AdminUser, action: () => Promise<unknown>) => {
    setBusy(user.id);
    setError(null);
    try {
      await action();
      load(query.trim());
    } catch (err) {
      handleError(err);
      setError(problem(err, 'That did not work.'));
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };
  const change = (user: AdminUser, patch: UserChange) => act(user, () => api.updateUser(user.id, patch));

  return (
    <div className="admin-section">
      <form className="inline-form" onSubmit={search}>
        <div className="field">
          <label htmlFor="admin-user-search">Search by username or email</label>
          <input
            id="admin-user-search"
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {users && users.length === 0 && <p className="muted">No accounts match.</p>}
      {users && users.length > 0 && (
        <div className="table-scroll">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">2FA</th>
                <th scope="col">Created</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-username={user.username}>
                  <td>
                    {user.username}
                    {user.id === me.id && <span className="muted"> (you)</span>}
                    <div className="muted small">{user.email}</div>
                  </td>
                  <td>{user.role}</td>
                  <td className={user.disabled ? 'delivery-failed' : undefined}>
                    {user.disabled ? 'disabled' : 'active'}
                  </td>
                  <td>{user.twoFactorEnabled ? 'on' : 'off'}</td>
                  <td>{when(user.createdAt)}</td>
                  <td>{when(user.lastSeenAt)}</td>
                  <td className="admin-actions">
                    {confirming === user.id ? (
                      <span>
                        <span className="small">Delete {user.username} and all their data?</span>
                        <button
                          type="button"
                          className="link-button danger"
                          disabled={busy === user.id}
                          onClick={() => act(user, () => api.deleteUser(user.id))}
                        >
                          Delete for good
                        </button>
                        <button type="button" className="link-button" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <>
                        <button
                          type="button"
                          className="link-button"
                          disabled={busy === user.id}
                          onClick={() => change(user, { disabled: !user.disabled })}
                        >
                          {user.disabled ? 'Enable' : 'Disable'}
                        </button>
                        <button
                          type="button"
                          className="link-button"
                          disabled={busy === user.id}
                          onClick={() => change(user, { role: user.role === 'admin' ? 'user' : 'admin' })}
                        >
                          {user.role === 'admin' ? 'Demote' : 'Promote'}
                        </button>
                        <button
                          type="button"
                          className="link-button danger"
                          disabled={busy === user.id}
                          onClick={() => setConfirming(user.id)}
                        >
                          Delete
                        </button>
                      </>
                    )}
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
