import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { ApiError, api, type TwoFactorSetup, type TwoFactorStatus } from '../api';
import { ReauthenticationFields } from './ReauthenticationFields';

function problem(err: unknown, fallback: string): string {
  if (err instanceof ApiError) return Object.values(err.fields)[0]?.[0] ?? err.message;
  return fallback;
}

/**
 * Two-factor sign-in: turning it on (scan the QR code or type the secret, confirm with a code, keep
 * the recovery codes shown once) and off (password and a code).
 */
export function TwoFactorSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api
      .twoFactor()
      .then(setStatus)
      .catch((err: unknown) => {
        onError(err);
        setError(problem(err, 'Could not load the two-factor state.'));
      });
  }, [onError]);
  useEffect(load, [load]);

  const start = () => {
    setBusy(true);
    setError(null);
    api
      .setUpTwoFactor()
      .then(setSetup)
      .catch((err: unknown) => {
        onError(err);
        setError(problem(err, 'Could not start the setup.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section two-factor">
      <h2 id={`${id}-title`}>Two-factor authentication</h2>
      <p className="hint">
        With it on, signing in needs a code from an authenticator app (or a recovery code) after the password.
      </p>
      {!status && !error && <p className="muted small">Loading…</p>}
      {recoveryCodes && <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />}
      {status && !status.enabled && !setup && (
        <>
          <p className="small">Two-factor sign-in is off.</p>
          <button type="button" className="primary" disabled={busy} onClick={start}>
            Set up two-factor sign-in
          </button>
        </>
      )}
      {status && !status.enabled && setup && (
        <EnableForm
          setup={setup}
          onEnabled={(codes) => {
            setSetup(null);
            setRecoveryCodes(codes);
            load();
          }}
          onCancel={() => setSetup(null)}
          onError={onError}
        />
      )}
      {status?.enabled && (
        <>
          <p className="small" data-testid="two-factor-on">
            Two-factor sign-in is on. {status.recoveryCodesLeft} of 10 recovery codes left.
          </p>
          <DisableForm
            onDisabled={() => {
              setRecoveryCodes(null);
              load();
            }}
            onError={onError}
          />
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function EnableForm({
  setup,
  onEnabled,
  onCancel,
  onError,
}: {
  setup: TwoFactorSetup;
  onEnabled: (recoveryCodes: string[]) => void;
  onCancel: () => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .enableTwoFactor({ code: code.trim() })
      .then(({ recoveryCodes }) => onEnabled(recoveryCodes))
      .catch((err: unknown) => {
        onError(err);
        setError(problem(err, 'Could not turn two-factor sign-in on.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <div className="two-factor-setup">
      <ol className="small setup-steps">
        <li>Scan this QR code with an authenticator app (or type the secret into it).</li>
        <li>Enter the six-digit code it shows.</li>
      </ol>
      <img
        className="qr-code"
        src={setup.qrCode}
        alt="QR code of the two-factor secret"
        width="200"
        height="200"
      />
      <p className="small">
        Secret:{' '}
        <code className="secret" data-testid="totp-secret">
          {setup.secret}
        </code>
      </p>
      <form className="inline-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-code`}>Code from the app</label>
          <input
            id={`${id}-code`}
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={busy || code.trim().length !== 6}>
          Turn on
        </button>
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The recovery codes, shown this once: copy or download them before leaving. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const text = `Stock Tracker recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  const [download] = useState(() => URL.createObjectURL(new Blob([text], { type: 'text/plain' })));
  useEffect(() => () => URL.revokeObjectURL(download), [download]);

  return (
    <div className="secret-box" role="status">
      <p>
        Two-factor sign-in is on. Keep these recovery codes somewhere safe: each signs you in once if you lose
        the app. They are not shown again.
      </p>
      <ul className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="rule-actions">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            navigator.clipboard
              ?.writeText(text)
              .then(() => setCopied(true))
              .catch(() => setCopied(false));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <a className="link-button" href={download} download="stock-tracker-recovery-codes.txt">
          Download
        </a>
        <button type="button" className="link-button" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

function DisableForm({ onDisabled, onError }: { onDisabled: () => void; onError: (err: unknown) => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .disableTwoFactor({ password, code: code.trim() })
      .then(() => {
        setPassword('');
        setCode('');
        onDisabled();
      })
      .catch((err: unknown) => {
        onError(err);
        setError(problem(err, 'Could not turn two-factor sign-in off.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label="Turn two-factor sign-in off">
      <ReauthenticationFields
        password={password}
        code={code}
        codeLabel="Code or recovery code"
        codeRequired={true}
        onPassword={setPassword}
        onCode={setCode}
      />
      <button type="submit" className="danger" disabled={busy || !password || !code.trim()}>
        Turn off
      </button>
      {error && (
        <p className="form-error form-row" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
