import { useMemo, useState } from 'react';
import type { User } from './api';
import { passkeyErrorMessage, passkeysSupported, signInWithPasskey } from './passkey-ceremony';

/** "Sign in with a passkey": shown only where the browser has WebAuthn. */
export function PasskeySignIn({ onSignedIn }: { onSignedIn: (user: User, csrfToken: string) => void }) {
  const supported = useMemo(passkeysSupported, []);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  if (!supported) return null;

  const signIn = () => {
    setBusy(true);
    setMessage(null);
    signInWithPasskey()
      .then((result) => onSignedIn(result.user, result.csrfToken))
      .catch((error: unknown) => {
        setMessage(passkeyErrorMessage(error, 'Could not sign in with a passkey. Try again.'));
        setBusy(false);
      });
  };

  return (
    <div className="passkey-sign-in">
      <p className="divider">or</p>
      <button type="button" className="secondary" disabled={busy} onClick={signIn}>
        Sign in with a passkey
      </button>
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}
