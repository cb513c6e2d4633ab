import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type AuditEntry, type AuditFilter, api } from '../api';
import { useSessionEndedHandler } from '../session';
import { problem, when } from './admin-format';

const KINDS = [
  'login_succeeded',
  'login_failed',
  'admin_user_created',
  'admin_user_disabled',
  'admin_user_enabled',
  'admin_user_deleted',
  'admin_role_changed',
  'admin_password_reset',
  'admin_totp_disabled',
  'admin_invite_created',
  'admin_invite_revoked',
];

/** `2026-01-05` from a date field as the start (or end) of that day, in the browser's time zone. */
function dayBound(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Admin actions and sign-ins, newest first, filtered by kind, account and days; "Older" pages on. */
export function AuditSection({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [form, setForm] = useState({ kind: '', user: '', from: '', to: '' });
  const [filter, setFilter] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [nextOffset, setNextOffset] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const handleError = useSessionEndedHandler(onSessionEnded);

  const load = useCallback(
    (wanted: AuditFilter, append: boolean) => {
      api
        .audit(wanted)
        .then((answer) => {
          setEntries((current) => (append && current ? [...current, ...answer.items] : answer.items));
          setNextOffset(answer.nextOffset);
          setError(null);
        })
        .catch((err: unknown) => {
          handleError(err);
          setError(problem(err, 'Could not load the audit log.'));
        });
    },
    [handleError],
  );
  useEffect(() => load({}, false), [load]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const wanted: AuditFilter = {
      kind: form.kind || undefined,
      user: form.user.trim() || undefined,
      from: dayBound(form.from, false),
      to: dayBound(form.to, true),
    };
    setFilter(wanted);
    load(wanted, false);
  };

  return (
    <div className="admin-section">
      <form className="inline-form" onSubmit={apply}>
        <div className="field">
          <label htmlFor="audit-kind">Kind</label>
          <select
            id="audit-kind"
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.target.value })}
          >
            <option value="">Any</option>
            {KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-user">User</label>
          <input
            id="audit-user"
            value={form.user}
            placeholder="username or email"
            onChange={(e) => setForm({ ...form, user: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input
            id="audit-from"
            type="date"
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input
            id="audit-to"
            type="date"
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </div>
        <button type="submit" className="primary">
          Filter
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {entries && entries.length === 0 && <p className="muted">Nothing in the log matches.</p>}
      {entries && entries.length > 0 && (
        <div className="table-scroll">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Account</th>
                <th scope="col">By</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{when(entry.at)}</td>
                  <td>{entry.kind}</td>
                  <td>{entry.user?.username ?? describeTarget(entry)}</td>
                  <td>{entry.actor ? (entry.actor.username ?? 'a deleted admin') : '–'}</td>
                  <td>{entry.address ?? entry.userAgent ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextOffset !== null && (
        <button
          type="button"
          className="link-button"
          onClick={() => load({ ...filter, offset: nextOffset }, true)}
        >
          Older
        </button>
      )}
    </div>
  );
}

/** A row whose account is gone names it by what the row kept. */
function describeTarget(entry: AuditEntry): string {
  const name = entry.detail?.username;
  return typeof name === 'string' ? `${name} (deleted)` : '–';
}
