import { type FormEvent, useEffect, useState } from 'react';
import { ForgotPasswordLink } from './account/ForgotPasswordLink';
import { ApiError, api, type RegistrationStatus, type User } from './api';
import { PasskeySignIn } from './PasskeySignIn';
import { PasswordStrength } from './PasswordStrength';

type Mode = 'login' | 'register';

/** An invitation link is `/register?invite=CODE`: it opens the form to create an account, code filled in. */
function registerAddress(): { opensOnRegister: boolean; invitedWith: string } {
  const invitedWith = new URLSearchParams(window.location.search).get('invite') ?? '';
  const opensOnRegister = window.location.pathname.replace(/\/+$/, '') === '/register' || invitedWith !== '';
  return { opensOnRegister, invitedWith };
}

export function AuthPage({ onSignedIn }: { onSignedIn: (user: User, csrfToken: string) => void }) {
  const [{ opensOnRegister, invitedWith }] = useState(registerAddress);
  const [mode, setMode] = useState<Mode>(opensOnRegister ? 'register' : 'login');
  const [fields, setFields] = useState({ username: '', email: '', password: '', inviteCode: invitedWith });
  const [registration, setRegistration] = useState<RegistrationStatus | null>(null);
  useEffect(() => {
    api
      .registration()
      .then(setRegistration)
      .catch(() => setRegistration(null));
  }, []);
  const closed = registration?.mode === 'closed' && !registration.firstAccount;
  const needsInvite = registration?.mode === 'invite' && !registration.firstAccount;
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Set once the password was right for an account with two-factor sign-in: the code is due. */
  const [pendingToken, setPendingToken] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const { inviteCode, ...account } = fields;
      const result =
        mode === 'register'
          ? await api.register(needsInvite ? { ...account, inviteCode: inviteCode.trim() } : account)
          : await api.login({ username: fields.username, password: fields.password });
      if ('pendingToken' in result) setPendingToken(result.pendingToken);
      else {
        // A used invitation link is no place to come back to.
        if (opensOnRegister) window.history.replaceState(null, '', '/');
        onSignedIn(result.user, result.csrfToken);
      }
    } catch (error) {
      if (error instanceof ApiError) {
        setErrors(error.fields);
        if (Object.keys(error.fields).length === 0 || error.code !== 'validation_error')
          setMessage(error.message);
      } else {
        setMessage('Something went wrong. Try again.');
      }
    } finally {
      setBusy(false);
    }
  };

  if (pendingToken) {
    return (
      <SecondStep
        pendingToken={pendingToken}
        onSignedIn={onSignedIn}
        onRestart={(why) => {
          setPendingToken(null);
          setFields({ ...fields, password: '' });
          setMessage(why);
        }}
      />
    );
  }

  const switchTo = (next: Mode) => {
    setMode(next);
    setErrors({});
    setMessage(null);
  };

  const field = (
    name: 'username' | 'email' | 'password' | 'inviteCode',
    label: string,
    type: string,
    autoComplete: string,
  ) => (
    <div className="field">
      <label htmlFor={`auth-${name}`}>{label}</label>
      <input
        id={`auth-${name}`}
        name={name}
        type={type}
        autoComplete={autoComplete}
        required
        value={fields[name]}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `auth-${name}-errors` : undefined}
        onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
      />
      {errors[name] && (
        <ul className="field-errors" id={`auth-${name}-errors`}>
          {errors[name].map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );

  return (
    <section className="card auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{mode === 'login' ? 'Log in' : 'Create an account'}</h1>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => switchTo('login')}>
          Log in
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'register'}
          onClick={() => switchTo('register')}
        >
          Create account
        </button>
      </div>
      {mode === 'register' && closed ? (
        <p className="notice" role="status">
          Registration is closed on this server. Ask its administrator for an account.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          {mode === 'register' && registration?.firstAccount && (
            <p className="hint">This is the server's first account: it becomes the administrator.</p>
          )}
          {mode === 'register' && needsInvite && field('inviteCode', 'Invitation code', 'text', 'off')}
          {field('username', mode === 'login' ? 'Username or email' : 'Username', 'text', 'username')}
          {mode === 'register' && field('email', 'Email', 'email', 'email')}
          {field('password', 'Password', 'password', mode === 'login' ? 'current-password' : 'new-password')}
          {mode === 'register' && (
            <>
              <PasswordStrength password={fields.password} userInputs={[fields.username, fields.email]} />
              <p className="hint">
                At least 10 characters, hard to guess; not a common password, not only digits, not like your
                username.
              </p>
            </>
          )}
          {message && (
            <p className="form-error" role="alert">
              {message}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'login' ? 'Log in' : 'Create account'}
          </button>
        </form>
      )}
      {mode === 'login' && <PasskeySignIn onSignedIn={onSignedIn} />}
      {mode === 'login' && <ForgotPasswordLink />}
    </section>
  );
}

/** The second step of a two-factor login: the app's six digits, or a recovery code instead. */
function SecondStep({
  pendingToken,
  onSignedIn,
  onRestart,
}: {
  pendingToken: string;
  onSignedIn: (user: User, csrfToken: string) => void;
  onRestart: (why: string | null) => void;
}) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user, csrfToken } = await api.loginWithCode({ pendingToken, code });
      onSignedIn(user, csrfToken);
    } catch (err) {
      // The pending login ended (expired, too many wrong codes): back to the password.
      if (err instanceof ApiError && err.code === 'pending_login_expired') onRestart(err.message);
      else setError(err instanceof ApiError ? err.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card auth-card" aria-labelledby="second-step-title">
      <h1 id="second-step-title">Two-factor sign-in</h1>
      <p className="hint">
        {recovery
          ? 'Enter one of your recovery codes. Each works once.'
          : 'Enter the six-digit code your authenticator app shows for Stock Tracker.'}
      </p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="second-step-code">{recovery ? 'Recovery code' : 'Authentication code'}</label>
          <input
            id="second-step-code"
            name="code"
            type="text"
            inputMode={recovery ? 'text' : 'numeric'}
            autoComplete="one-time-code"
            autoCapitalize="off"
            spellCheck={false}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || code.trim() === ''}>
          Verify
        </button>
      </form>
      <p className="small second-step-links">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            setError(null);
          }}
        >
          {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
        </button>
        <button type="button" className="link-button" onClick={() => onRestart(null)}>
          Start over
        </button>
      </p>
    </section>
  );
}
