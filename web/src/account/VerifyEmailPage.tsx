import { useEffect, useState } from 'react';
import { api } from '../api';
import { followLink } from '../router';
import { errorText } from '../settings/error-text';
import { forgetLinkToken, linkToken } from './link-token';

/** One confirmation per token, however often the page's effect runs (React runs it twice in development). */
const confirming = new Map<string, Promise<void>>();

/** The page an address confirmation link opens: confirms it at once, signed in or not. */
export function VerifyEmailPage() {
  const [token] = useState(linkToken);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(
    token ? null : { ok: false, text: 'This page needs the link from the email.' },
  );

  useEffect(() => {
    forgetLinkToken();
    if (!token) return;
    let current = confirming.get(token);
    if (!current) {
      current = api.verifyEmail(token);
      confirming.set(token, current);
    }
    current
      .then(() => setOutcome({ ok: true, text: 'Your email address is confirmed. Thank you.' }))
      .catch((err: unknown) => setOutcome({ ok: false, text: errorText(err, 'Could not confirm it.') }));
  }, [token]);

  return (
    <section className="card auth-card" aria-labelledby="verify-title">
      <h1 id="verify-title">Confirm your email address</h1>
      {!outcome && <p role="status">Confirming…</p>}
      {outcome?.ok && <p role="status">{outcome.text}</p>}
      {outcome && !outcome.ok && (
        <p className="form-error" role="alert">
          {outcome.text} Ask for a new link in Settings.
        </p>
      )}
      <p className="small auth-aside">
        <a href="/" onClick={followLink}>
          Go to Stock Tracker
        </a>
      </p>
    </section>
  );
}
