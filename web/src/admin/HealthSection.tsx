import { useEffect, useState } from 'react';
import { type AdminHealth, api } from '../api';
import { useSessionEndedHandler } from '../session';
import { problem, when } from './admin-format';

const REFRESH_MS = 5000;

/** A circuit breaker's state, as an operator reads it. */
const BREAKER_TEXT = {
  closed: 'working',
  half_open: 'failing; trying again',
  open: 'failing; skipped for now',
} as const;

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
        <dt>Market data</dt>
        <dd>
          {feed.mode === 'live' ? feed.sources.map((source) => source.name).join(', ') : 'Simulated market'}
        </dd>
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
      {feed.sources.length > 0 && (
        <>
          <h2>Sources</h2>
          <table className="admin-table" aria-label="Market-data sources">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">State</th>
                <th scope="col">Calls this minute</th>
                <th scope="col">Asked for</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {feed.sources.map((source) => (
                <tr key={source.id}>
                  <td>{source.name}</td>
                  <td>{BREAKER_TEXT[source.breaker]}</td>
                  <td>
                    {source.budget ? `${source.budget.used} of ${source.budget.perMinute}` : source.limits}
                  </td>
                  <td>{source.capabilities.map((capability) => capability.replace('_', ' ')).join(', ')}</td>
                  <td>
                    {source.lastError ? `${source.lastError.message} (${when(source.lastError.at)})` : 'none'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
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
