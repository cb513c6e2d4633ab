import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { ApiError, api, type Channel, type NotificationSettings, type User, type WebhookFormat } from './api';
import { ConfirmButton } from './ConfirmButton';
import { deviceName, devicePushChannel, disablePush, enablePush, pushSupported } from './push';
import { useSessionEndedHandler } from './session';
import { ApiTokensSection } from './settings/ApiTokens';
import { DeleteAccountSection } from './settings/DeleteAccount';
import { EmailVerificationSection } from './settings/EmailVerificationSection';
import { PasskeysSection } from './settings/Passkeys';
import { PasswordSection } from './settings/PasswordSection';
import { SecurityLogSection } from './settings/SecurityLogSection';
import { SessionsSection } from './settings/SessionsSection';
import { TwoFactorSection } from './settings/TwoFactor';

const FORMATS: Array<{ value: WebhookFormat; label: string }> = [
  { value: 'standard', label: 'Standard Webhooks (signed JSON)' },
  { value: 'ntfy', label: 'ntfy' },
  { value: 'slack', label: 'Slack' },
  { value: 'discord', label: 'Discord' },
];

const browserTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function message(err: unknown, fallback: string): string {
  if (err instanceof ApiError) return Object.values(err.fields)[0]?.[0] ?? err.message;
  return err instanceof Error ? err.message : fallback;
}

/** Where alerts go besides the app (push on this device, email, webhooks) and when they may not. */
export function SettingsPage({ user, onSessionEnded }: { user: User; onSessionEnded: () => void }) {
  const [list, setList] = useState<{ items: Channel[]; emailAvailable: boolean } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [deviceChannel, setDeviceChannel] = useState<Channel | null>(null);

  const handleError = useSessionEndedHandler(onSessionEnded);

  const load = useCallback(() => {
    api
      .channels()
      .then(async (answer) => {
        setList(answer);
        setLoadError(null);
        setDeviceChannel(await devicePushChannel(answer.items).catch(() => null));
      })
      .catch((err: unknown) => {
        handleError(err);
        setLoadError(message(err, 'Could not load your channels.'));
      });
  }, [handleError]);
  useEffect(load, [load]);

  // Subscribing this browser again replaces its push channel: one of the same id is replaced.
  const added = (channel: Channel) =>
    setList((current) =>
      current
        ? { ...current, items: [...current.items.filter((c) => c.id !== channel.id), channel] }
        : current,
    );
  const removed = (id: string) =>
    setList((current) =>
      current ? { ...current, items: current.items.filter((c) => c.id !== id) } : current,
    );

  return (
    <section className="card settings-page">
      <h1>Settings</h1>
      <PushSection
        deviceChannel={deviceChannel}
        onEnabled={(channel) => {
          setDeviceChannel(channel);
          added(channel);
        }}
        onDisabled={(id) => {
          setDeviceChannel(null);
          removed(id);
        }}
        onError={handleError}
      />
      <section aria-labelledby="channels-title" className="settings-section">
        <h2 id="channels-title">Channels</h2>
        <p className="hint">
          Every alert shows in the app. Each alert can also go to any of these; “Send test” sends one now.
        </p>
        {loadError && <p className="form-error">{loadError}</p>}
        {/* As tall as "No channels yet.": the forms below stay put when the list arrives. */}
        {!list && !loadError && <p className="muted small">Loading your channels…</p>}
        {list?.items.length === 0 && <p className="muted small">No channels yet.</p>}
        {list && list.items.length > 0 && (
          <ul className="channel-list">
            {list.items.map((channel) => (
              <ChannelItem
                key={channel.id}
                channel={channel}
                thisDevice={channel.id === deviceChannel?.id}
                email={user.email}
                onRemoved={removed}
                onError={handleError}
              />
            ))}
          </ul>
        )}
        <WebhookForm onAdded={added} onError={handleError} />
        {list?.emailAvailable && (
          <EmailChannel
            email={user.email}
            hasOne={list?.items.some((c) => c.type === 'email') ?? false}
            onAdded={added}
            onError={handleError}
          />
        )}
      </section>
      <QuietHoursSection onError={handleError} />
      <PasskeysSection onError={handleError} />
      <EmailVerificationSection onError={handleError} />
      <PasswordSection onError={handleError} />
      <SessionsSection onError={handleError} onSignedOut={onSessionEnded} />
      <SecurityLogSection onError={handleError} />
      <TwoFactorSection onError={handleError} />
      <DeleteAccountSection onDeleted={onSessionEnded} onError={handleError} />
      <ApiTokensSection onError={handleError} />
    </section>
  );
}

function PushSection({
  deviceChannel,
  onEnabled,
  onDisabled,
  onError,
}: {
  deviceChannel: Channel | null;
  onEnabled: (channel: Channel) => void;
  onDisabled: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [name, setName] = useState(deviceName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const supported = useMemo(pushSupported, []);

  const enable = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    enablePush(name.trim() || deviceName())
      .then(onEnabled)
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not turn notifications on.'));
      })
      .finally(() => setBusy(false));
  };
  const disable = (channel: Channel) => {
    setBusy(true);
    setError(null);
    disablePush(channel.id)
      .then(() => onDisabled(channel.id))
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not turn notifications off.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Notifications on this device</h2>
      {!supported && <p className="muted small">This browser cannot receive push notifications.</p>}
      {supported && deviceChannel && (
        <p>
          On: alerts sent to “{deviceChannel.name}” appear here, even with the app closed.{' '}
          <button
            type="button"
            className="link-button"
            disabled={busy}
            onClick={() => disable(deviceChannel)}
          >
            Turn off on this device
          </button>
        </p>
      )}
      {supported && !deviceChannel && (
        <form className="inline-form" onSubmit={enable}>
          <div className="field">
            <label htmlFor={`${id}-name`}>This device’s name</label>
            <input id={`${id}-name`} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Enable notifications on this device
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ChannelItem({
  channel,
  thisDevice,
  email,
  onRemoved,
  onError,
}: {
  channel: Channel;
  thisDevice: boolean;
  email: string;
  onRemoved: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const [result, setResult] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const test = () => {
    setTesting(true);
    setResult(null);
    api
      .testChannel(channel.id)
      .then((answer) =>
        setResult(answer.ok ? 'Test sent.' : `The test failed: ${answer.error ?? 'no reason given'}.`),
      )
      .catch((err: unknown) => {
        onError(err);
        setResult(`The test failed: ${message(err, 'no answer')}`);
      })
      .finally(() => setTesting(false));
  };
  const remove = () => {
    setError(null);
    api
      .deleteChannel(channel.id)
      .then(() => onRemoved(channel.id))
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not delete it.'));
      });
  };

  const detail =
    channel.type === 'webhook'
      ? `Webhook${channel.format && channel.format !== 'standard' ? ` (${channel.format})` : ''} to ${channel.url ?? ''}`
      : channel.type === 'email'
        ? `Email to ${email}`
        : `Push${thisDevice ? ' to this device' : ''}`;
  return (
    <li className="channel" data-channel-id={channel.id}>
      <div>
        <strong>{channel.name}</strong>
        {!channel.enabled && <span className="rule-status status-paused">disabled after failing</span>}
        <p className="muted small channel-detail">{detail}</p>
      </div>
      <div className="rule-actions">
        <button
          type="button"
          className="link-button"
          disabled={testing}
          aria-label={`Send test to ${channel.name}`}
          onClick={test}
        >
          Send test
        </button>
        <ConfirmButton action="Delete" subject={channel.name} onConfirm={remove} />
      </div>
      <p className="small channel-result" role="status">
        {testing ? 'Sending…' : result}
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function WebhookForm({
  onAdded,
  onError,
}: {
  onAdded: (channel: Channel) => void;
  onError: (err: unknown) => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('standard');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [copied, setCopied] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    // Unnamed: called after its host (the server says so if the URL is no URL at all).
    const chosenName =
      name.trim() || (URL.canParse(url.trim()) ? new URL(url.trim()).hostname : '') || 'Webhook';
    api
      .createChannel({ type: 'webhook', name: chosenName, url: url.trim(), format })
      .then(({ channel, secret: given }) => {
        onAdded(channel);
        setName('');
        setUrl('');
        setCopied(false);
        setSecret(given ? { name: channel.name, value: given } : null);
      })
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not add the webhook.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <>
      {secret && (
        <div className="secret-box" role="status">
          <p>
            The signing secret of “{secret.name}”. Copy it now: it is not shown again. Receivers check each
            request’s <code>webhook-signature</code> with it.
          </p>
          <code className="secret" data-testid="webhook-secret">
            {secret.value}
          </code>
          <div className="rule-actions">
            <button
              type="button"
              className="link-button"
              onClick={() => {
                navigator.clipboard
                  ?.writeText(secret.value)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false));
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="link-button" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form className="webhook-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`}>Add a webhook</h3>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${id}-url`}>URL</label>
            <input
              id={`${id}-url`}
              type="url"
              inputMode="url"
              placeholder="https://ntfy.sh/my-topic"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-format`}>Format</label>
            <select
              id={`${id}-format`}
              value={format}
              onChange={(e) => setFormat(e.target.value as WebhookFormat)}
            >
              {FORMATS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name (optional)</label>
            <input id={`${id}-name`} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </div>
        </div>
        <button type="submit" className="primary" disabled={busy || url.trim() === ''}>
          Add webhook
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </>
  );
}

function EmailChannel({
  email,
  hasOne,
  onAdded,
  onError,
}: {
  email: string;
  hasOne: boolean;
  onAdded: (channel: Channel) => void;
  onError: (err: unknown) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (hasOne) return null;
  const add = () => {
    setBusy(true);
    setError(null);
    api
      .createChannel({ type: 'email', name: 'Email' })
      .then(({ channel }) => onAdded(channel))
      .catch((err: unknown) => {
        onError(err);
        // 409: the server has no SMTP settings, so it sends no email.
        setError(message(err, 'Could not add email.'));
      })
      .finally(() => setBusy(false));
  };
  return (
    <div className="email-channel">
      <h3>Email</h3>
      <p className="small">
        <button type="button" className="link-button" disabled={busy} onClick={add}>
          Send alerts by email to {email}
        </button>
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The zones the browser knows, for the quiet hours' time zone; the browser's own first. */
function timeZones(): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([browserTimeZone, 'UTC', ...known])];
}

function QuietHoursSection({ onError }: { onError: (err: unknown) => void }) {
  const id = useId();
  const [enabled, setEnabled] = useState(false);
  const [start, setStart] = useState('22:00');
  const [end, setEnd] = useState('07:00');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);

  useEffect(() => {
    api
      .notificationSettings()
      .then((settings) => {
        setEnabled(settings.quietHours !== null);
        if (settings.quietHours) {
          setStart(settings.quietHours.start);
          setEnd(settings.quietHours.end);
          setTimeZone(settings.timeZone);
        }
      })
      .catch(onError);
  }, [onError]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    setError(null);
    const settings: NotificationSettings = { quietHours: enabled ? { start, end } : null, timeZone };
    api
      .saveNotificationSettings(settings)
      .then(() => setStatus('Saved.'))
      .catch((err: unknown) => {
        onError(err);
        setError(message(err, 'Could not save the quiet hours.'));
      })
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby={`${id}-title`} className="settings-section">
      <h2 id={`${id}-title`}>Quiet hours</h2>
      <p className="hint">
        During quiet hours push and email wait, and go out as one summary when they end. The app and webhooks
        are never held.
      </p>
      <form onSubmit={save} noValidate>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Hold push and email during quiet hours
        </label>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${id}-start`}>From</label>
            <input
              id={`${id}-start`}
              type="time"
              value={start}
              disabled={!enabled}
              onChange={(e) => setStart(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-end`}>Until</label>
            <input
              id={`${id}-end`}
              type="time"
              value={end}
              disabled={!enabled}
              onChange={(e) => setEnd(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-zone`}>Time zone</label>
            <select id={`${id}-zone`} value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Save quiet hours
        </button>
        <span className="small save-status" role="status">
          {status}
        </span>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
