import { useEffect, useId, useState } from 'react';
import { api } from '../api';
import { errorText } from './error-text';

/** Whether the account's address is confirmed, and "send the link again" (only when the server has SMTP). */
export function EmailVerificationSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [state, setState] = useState<{ email: string; verified: boolean; available: boolean } | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    api
      .emailVerification()
      .then(setState)
      .catch((err: unknown) => onError(err));
  }, [onError]);

  if (!state?.available) return null;
  const resend = () => {
    setStatus(null);
    api
      .resendVerification()
      .then(() => setStatus(`A new link is on its way to ${state.email}. It works for an hour.`))
      .catch((err: unknown) => {
        onError(err);
        setStatus(errorText(err, 'Could not send it.'));
      });
  };
  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Email address</h2>
      {state.verified ? (
        <p className="small">{state.email} is confirmed.</p>
      ) : (
        <>
          <p className="small">
            {state.email} is not confirmed yet: open the link we mailed to it.{' '}
            <button type="button" className="link-button" onClick={resend}>
              Send the link again
            </button>
          </p>
          <p className="small" role="status">
            {status}
          </p>
        </>
      )}
    </section>
  );
}
