import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api';
import { followLink } from '../router';
import { errorText } from '../settings/error-text';

/** Asks for a password reset link by email; says the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors([]);
    setMessage(null);
    api
      .requestPasswordReset(email)
      .then(() => setSent(true))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.fields.email) setErrors(err.fields.email);
        else setMessage(errorText(err, 'Could not ask for a link.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <section className="card auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      {sent ? (
        <p role="status">
          If an account has the address {email}, a link to set a new password is on its way. It works for an
          hour, once.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <p className="hint">We will mail a link to set a new password to your account's address.</p>
          <div className="field">
            <label htmlFor="forgot-email">Email</label>
            <input
              id="forgot-email"
              type="email"
              autoComplete="email"
              required
              value={email}
              aria-invalid={errors.length > 0 ? true : undefined}
              aria-describedby={errors.length > 0 ? 'forgot-email-errors' : undefined}
              onChange={(e) => setEmail(e.target.value)}
            />
            {errors.length > 0 && (
              <ul className="field-errors" id="forgot-email-errors">
                {errors.map((text) => (
                  <li key={text}>{text}</li>
                ))}
              </ul>
            )}
          </div>
          {message && (
            <p className="form-error" role="alert">
              {message}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Send the link
          </button>
        </form>
      )}
      <p className="small auth-aside">
        <a href="/" onClick={followLink}>
          Back to sign in
        </a>
      </p>
    </section>
  );
}
