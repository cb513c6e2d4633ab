import { useCallback, useEffect, useState } from 'react';
import { AlertForm } from './AlertForm';
import { describeRule } from './alert-rules';
import {
  type AlertEventView,
  type AlertRuleView,
  type AlertStatus,
  ApiError,
  api,
  type Channel,
} from './api';
import { formatDateTime, formatPrice } from './format';
import { followLink, stockPath } from './router';
import { useSessionEndedHandler } from './session';
import { openPriceStream } from './stream';

/** How often an open log with deliveries still trying is read again. */
const LOG_REFRESH_MS = 3000;

const GROUPS: Array<{ status: AlertStatus; title: string }> = [
  { status: 'active', title: 'Active' },
  { status: 'paused', title: 'Paused' },
  { status: 'fired', title: 'Fired' },
  { status: 'expired', title: 'Expired' },
];

/** Every alert rule of the user by state, each with its changes and its log of firings. */
export function AlertsPage({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [rules, setRules] = useState<AlertRuleView[] | null>(null);
  const [channels, setChannels] = useState<Channel[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [creatingPortfolioAlert, setCreatingPortfolioAlert] = useState(false);

  const handleError = useSessionEndedHandler(onSessionEnded);

  const load = useCallback(() => {
    api
      .alerts()
      .then(({ items }) => {
        setRules(items);
        setError(null);
      })
      .catch((err: unknown) => {
        handleError(err);
        setError(err instanceof ApiError ? err.message : 'Could not load your alerts.');
      });
  }, [handleError]);

  useEffect(() => {
    load();
    api
      .channels()
      .then((answer) => setChannels(answer.items))
      .catch(() => setChannels([]));
  }, [load]);

  // A firing changes its rule (fired, counted, armed again): the list is read anew.
  useEffect(() => openPriceStream({ onAlert: load, onUnauthorized: onSessionEnded }), [load, onSessionEnded]);

  const replace = (rule: AlertRuleView) =>
    setRules((current) => current?.map((r) => (r.id === rule.id ? rule : r)) ?? current);
  const removed = (id: string) => setRules((current) => current?.filter((r) => r.id !== id) ?? current);

  return (
    <section className="card alerts-page">
      <h1>Alerts</h1>
      <p className="hint">
        Alerts are checked on the server on every trade, so they fire with no page open. Create one from a
        stock's page, or one on your whole portfolio here.
      </p>
      {creatingPortfolioAlert ? (
        <AlertForm
          symbol={null}
          currency={null}
          lastPrice={null}
          onSaved={(rule) => {
            setCreatingPortfolioAlert(false);
            setRules((current) => (current ? [...current, rule] : current));
          }}
          onCancel={() => setCreatingPortfolioAlert(false)}
          onError={handleError}
        />
      ) : (
        <button type="button" onClick={() => setCreatingPortfolioAlert(true)}>
          New portfolio alert
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {rules?.length === 0 && (
        <p className="empty">
          No alerts yet. Open a stock from your{' '}
          <a href="/" onClick={followLink}>
            watchlist
          </a>{' '}
          and choose “Create alert”.
        </p>
      )}
      {rules &&
        GROUPS.map(({ status, title }) => {
          const group = rules.filter((rule) => rule.status === status);
          if (group.length === 0) return null;
          return (
            <section key={status} className="rule-group" aria-labelledby={`alerts-${status}`}>
              <h2 id={`alerts-${status}`}>
                {title} <span className="muted">({group.length})</span>
              </h2>
              <ul className="rules">
                {group.map((rule) => (
                  <RuleItem
                    key={rule.id}
                    rule={rule}
                    channels={channels}
                    onChanged={replace}
                    onRemoved={removed}
                    onError={handleError}
                  />
                ))}
              </ul>
            </section>
          );
        })}
    </section>
  );
}

function RuleItem({
  rule,
  channels,
  onChanged,
  onRemoved,
  onError,
}: {
  rule: AlertRuleView;
  channels: Channel[];
  onChanged: (rule: AlertRuleView) => void;
  onRemoved: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<void>, failure: string) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      onError(err);
      setError(err instanceof ApiError ? err.message : failure);
    } finally {
      setBusy(false);
    }
  };

  const setStatus = (status: 'active' | 'paused') =>
    act(async () => {
      const { alert } = await api.updateAlert(rule.id, { status });
      onChanged(alert);
    }, 'Could not change the alert.');

  const remove = () =>
    act(async () => {
      await api.deleteAlert(rule.id);
      onRemoved(rule.id);
    }, 'Could not delete the alert.');

  const channelNames = rule.channels
    .map((id) => channels.find((channel) => channel.id === id)?.name)
    .filter(Boolean)
    .join(', ');
  const description = describeRule(rule, null);
  const subject = rule.symbol ?? 'Portfolio';
  return (
    <li className="rule" data-alert-id={rule.id}>
      <div className="rule-head">
        {rule.symbol === null ? (
          <span className="rule-symbol">Portfolio</span>
        ) : (
          <a className="rule-symbol" href={stockPath(rule.symbol)} onClick={followLink}>
            {rule.symbol}
          </a>
        )}
        <span className="rule-description">{description}</span>
      </div>
      <p className="muted small rule-facts">
        {[
          rule.frequency === 'once' ? 'Fires once' : 'Re-arms after each firing',
          rule.status === 'active' && !rule.armed ? 'waiting for the price to come back and cross' : null,
          rule.pausedReason === 'flood' ? 'paused: it fired more than 10 times in an hour' : null,
          rule.regularHoursOnly ? 'regular hours only' : null,
          rule.expiresAt ? `until ${formatDateTime(rule.expiresAt)}` : null,
          `in the app${channelNames ? `, ${channelNames}` : ''}`,
          rule.fireCount > 0
            ? `fired ${rule.fireCount === 1 ? 'once' : `${rule.fireCount} times`}, last ${formatDateTime(rule.lastFiredAt)}`
            : 'not fired yet',
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {rule.note && <p className="small rule-note">{rule.note}</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="rule-actions">
        <button
          type="button"
          className="link-button"
          aria-expanded={editing}
          aria-label={`Edit: ${subject} ${description}`}
          onClick={() => setEditing((open) => !open)}
        >
          Edit
        </button>
        {(rule.status === 'active' || rule.status === 'paused') && (
          <button
            type="button"
            className="link-button"
            disabled={busy}
            aria-label={`${rule.status === 'active' ? 'Pause' : 'Resume'}: ${subject} ${description}`}
            onClick={() => void setStatus(rule.status === 'active' ? 'paused' : 'active')}
          >
            {rule.status === 'active' ? 'Pause' : 'Resume'}
          </button>
        )}
        <button
          type="button"
          className="link-button"
          aria-expanded={showLog}
          aria-label={`Log: ${subject} ${description}`}
          onClick={() => setShowLog((open) => !open)}
        >
          Log
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="link-button danger"
              disabled={busy}
              onClick={() => void remove()}
            >
              Delete for good
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button
            type="button"
            className="link-button danger"
            aria-label={`Delete: ${subject} ${description}`}
            onClick={() => setConfirming(true)}
          >
            Delete
          </button>
        )}
      </div>
      {editing && (
        <AlertForm
          symbol={rule.symbol}
          currency={null}
          lastPrice={null}
          existing={rule}
          onSaved={(changed) => {
            setEditing(false);
            onChanged(changed);
          }}
          onCancel={() => setEditing(false)}
          onError={onError}
        />
      )}
      {showLog && <AlertLog rule={rule} onError={onError} />}
    </li>
  );
}

/** A rule's firings, newest first, with each channel's outcome; a failed delivery can be sent again. */
function AlertLog({ rule, onError }: { rule: AlertRuleView; onError: (err: unknown) => void }) {
  const [events, setEvents] = useState<AlertEventView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [reloads, setReloads] = useState(0);
  // `reloads` is a dependency on purpose: a log with deliveries still trying is read again.
  useEffect(() => {
    let cancelled = false;
    api
      .alertEvents(rule.id)
      .then(({ items }) => {
        if (!cancelled) setEvents(items);
      })
      .catch((err: unknown) => {
        onError(err);
        if (!cancelled) setError(err instanceof ApiError ? err.message : 'Could not load the log.');
      });
    return () => {
      cancelled = true;
    };
  }, [rule.id, rule.fireCount, reloads, onError]);

  const trying = events?.some((event) => event.deliveries.some((d) => d.status === 'pending')) ?? false;
  useEffect(() => {
    if (!trying) return;
    const timer = window.setTimeout(() => setReloads((n) => n + 1), LOG_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [trying, events]);

  const redeliver = (event: AlertEventView) => {
    setError(null);
    api
      .redeliver(event.id)
      .then(({ event: updated }) =>
        setEvents((current) => current?.map((e) => (e.id === updated.id ? updated : e)) ?? current),
      )
      .catch((err: unknown) => {
        onError(err);
        setError(err instanceof ApiError ? err.message : 'Could not send it again.');
      });
  };

  if (error) return <p className="form-error">{error}</p>;
  if (!events) return <p className="muted small">Loading the log…</p>;
  if (events.length === 0) return <p className="muted small">It has not fired yet.</p>;
  return (
    <div className="table-scroll">
      <table className="alert-log">
        <caption className="visually-hidden">Firings of this alert</caption>
        <thead>
          <tr>
            <th scope="col">Fired</th>
            <th scope="col" className="num">
              {rule.symbol === null ? 'Portfolio value' : 'Price'}
            </th>
            <th scope="col">Delivered</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>
                <time dateTime={event.firedAt}>{formatDateTime(event.firedAt)}</time>
                {event.simulated && <span className="muted small"> (simulated market)</span>}
              </td>
              <td className="num">{formatPrice(event.price, null)}</td>
              <td>
                <ul className="deliveries">
                  <li>In the app: shown</li>
                  {event.deliveries.map((delivery) => (
                    <li key={delivery.channelId} className={`delivery-${delivery.status}`}>
                      {delivery.channelName}: {deliveryWords(delivery)}
                    </li>
                  ))}
                </ul>
                {event.deliveries.some((delivery) => delivery.status === 'failed') && (
                  <button type="button" className="link-button small" onClick={() => redeliver(event)}>
                    Redeliver
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function deliveryWords(delivery: AlertEventView['deliveries'][number]): string {
  if (delivery.status === 'sent') return `sent ${formatDateTime(delivery.sentAt)}`;
  const tries = delivery.attempts === 1 ? '1 try' : `${delivery.attempts} tries`;
  if (delivery.status === 'failed')
    return `failed after ${tries}${delivery.lastError ? ` (${delivery.lastError})` : ''}`;
  return delivery.nextAttemptAt
    ? `waiting${delivery.attempts > 0 ? ` after ${tries}` : ''}, next try ${formatDateTime(delivery.nextAttemptAt)}`
    : 'waiting';
}
