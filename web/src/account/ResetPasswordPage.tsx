import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api } from '../api';
import { followLink } from '../router';
import { errorText } from '../settings/error-text';
import { forgetLinkToken, linkToken } from './link-token';

/** The page a reset link opens: a new password, set with the link's token; then sign in with it. */
export function ResetPasswordPage({ onPasswordSet }: { onPasswordSet: () => void }) {
  const [token] = useState(linkToken);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(forgetLinkToken, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors([]);
    setMessage(null);
    api
      .confirmPasswordReset({ token, newPassword: password })
      .then(() => {
        setDone(true);
        // Every session of the account ended, this browser's too.
        onPasswordSet();
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.fields.newPassword) setErrors(err.fields.newPassword);
        else setMessage(errorText(err, 'Could not set the password.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <section className="card auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      {done ? (
        <p role="status">Your new password is set, and every session of your account was signed out.</p>
      ) : !token ? (
        <p className="form-error" role="alert">
          This page needs the link from the email. Open the link again, or ask for a new one.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="reset-password">New password</label>
            <input
              id="reset-password"
              type="password"
              autoComplete="new-password"
              required
              value={password}
              aria-invalid={errors.length > 0 ? true : undefined}
              aria-describedby={errors.length > 0 ? 'reset-password-errors' : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
            {errors.length > 0 && (
              <ul className="field-errors" id="reset-password-errors">
                {errors.map((text) => (
                  <li key={text}>{text}</li>
                ))}
              </ul>
            )}
          </div>
          <p className="hint">
            At least 10 characters; not a common password, not only digits, not like your username.
          </p>
          {message && (
            <p className="form-error" role="alert">
              {message}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Set the password
          </button>
        </form>
      )}
      <p className="small auth-aside">
        {done ? (
          <a href="/" onClick={followLink}>
            Sign in with it
          </a>
        ) : (
          <a href="/forgot-password" onClick={followLink}>
            Ask for a new link
          </a>
        )}
      </p>
    </section>
  );
}
