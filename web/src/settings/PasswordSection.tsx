import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api';

/** Change the password with the current one; every other session ends. */
export function PasswordSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [fields, setFields] = useState({ currentPassword: '', newPassword: '' });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    setDone(null);
    api
      .changePassword(fields)
      .then(({ sessionsEnded }) => {
        setFields({ currentPassword: '', newPassword: '' });
        setDone(
          sessionsEnded === 0
            ? 'Password changed.'
            : `Password changed. ${sessionsEnded} other ${sessionsEnded === 1 ? 'session was' : 'sessions were'} signed out.`,
        );
      })
      .catch((err: unknown) => {
        onError(err);
        if (err instanceof ApiError && Object.keys(err.fields).length > 0) setErrors(err.fields);
        else setMessage(err instanceof ApiError ? err.message : 'Could not change the password.');
      })
      .finally(() => setBusy(false));
  };

  const field = (name: 'currentPassword' | 'newPassword', label: string, autoComplete: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type="password"
        autoComplete={autoComplete}
        required
        value={fields[name]}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `${id}-${name}-errors` : undefined}
        onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
      />
      {errors[name] && (
        <ul className="field-errors" id={`${id}-${name}-errors`}>
          {errors[name].map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Password</h2>
      <form aria-label="Change password" onSubmit={submit} noValidate>
        {field('currentPassword', 'Current password', 'current-password')}
        {field('newPassword', 'New password', 'new-password')}
        <p className="hint">
          Changing it signs out every other browser and device; this one stays signed in.
        </p>
        {message && (
          <p className="form-error" role="alert">
            {message}
          </p>
        )}
        <p className="small" role="status">
          {done}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
