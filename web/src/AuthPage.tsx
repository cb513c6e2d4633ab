import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, type RegistrationStatus, type User } from './api';

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
      // A used invitation link is no place to come back to.
      if (opensOnRegister) window.history.replaceState(null, '', '/');
      onSignedIn(result.user, result.csrfToken);
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
            <p className="hint">
              At least 10 characters; not a common password, not only digits, not like your username.
            </p>
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
    </section>
  );
}
