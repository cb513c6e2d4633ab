import { useEffect, useState } from 'react';
import { type AdminHealth, api } from '../api';
import { useSessionEndedHandler } from '../session';
import { problem, when } from './admin-format';

const REFRESH_MS = 5000;

/** The instance's health, read again every few seconds while shown. */
export function HealthSection({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [health, setHealth] = useState<AdminHealth | null>(null);
  const [error, setError] = useState<string | null>(null);
  const handleError = useSessionEndedHandler(onSessionEnded);

  useEffect(() => {
    const read = () =>
      api
        .adminHealth()
        .then((answer) => {
          setHealth(answer);
          setError(null);
        })
        .catch((err: unknown) => {
          handleError(err);
          setError(problem(err, 'Could not read the health.'));
        });
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => clearInterval(timer);
  }, [handleError]);

  if (!health) return error ? <p className="form-error">{error}</p> : <p className="muted">Loading…</p>;
  const { feed, stream, deliveries } = health;
  return (
    <div className="admin-section">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <h2>Market feed</h2>
      <dl className="admin-figures">
        <dt>Provider</dt>
        <dd>{feed.provider === 'finnhub' ? 'Finnhub' : 'Simulated market'}</dd>
        <dt>Upstream</dt>
        <dd>
          {feed.status}, {feed.connected ? 'connected' : 'not connected'}, {feed.subscriptions} subscribed
        </dd>
        <dt>Symbols</dt>
        <dd>
          {feed.symbols.live} live, {feed.symbols.polled} polled, {feed.symbols.leftOut} left out
        </dd>
        {feed.rest && (
          <>
            <dt>REST calls this minute</dt>
            <dd>
              {feed.rest.used} used, {feed.rest.remaining} left of {feed.rest.perMinute}
            </dd>
            <dt>Rate limited today</dt>
            <dd>{feed.rest.rateLimitedToday} × 429</dd>
            <dt>Last error</dt>
            <dd>
              {feed.rest.lastError
                ? `${feed.rest.lastError.message} (${when(feed.rest.lastError.at)})`
                : 'none'}
            </dd>
          </>
        )}
      </dl>
      <h2>Streams</h2>
      <dl className="admin-figures">
        <dt>Browsers connected</dt>
        <dd>{stream.clients}</dd>
      </dl>
      <h2>Alert deliveries</h2>
      {deliveries.length === 0 ? (
        <p className="muted">Nothing pending, nothing failed in the last 24 hours.</p>
      ) : (
        <dl className="admin-figures">
          {deliveries.map((each) => (
            <div key={each.channelType}>
              <dt>{each.channelType}</dt>
              <dd>
                {each.pending} pending, {each.failed} failed in the last 24 hours
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
