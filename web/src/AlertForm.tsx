import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { isMoveKind, isPositionKind, isPriceKind, KIND_LABELS, kindsFor } from './alert-rules';
import {
  type AlertInput,
  type AlertKind,
  type AlertPreview,
  type AlertRuleView,
  ApiError,
  api,
  type Channel,
} from './api';
import { formatDateTime, formatPrice } from './format';
import { followLink } from './router';

/** Pause in typing before the form asks the server whether the rule would have fired. */
const PREVIEW_DEBOUNCE_MS = 400;
/** Firings listed under the count; the rest are counted. */
const PREVIEW_LISTED = 8;
const DEFAULT_PERCENT: Record<'day' | 'move' | 'position', string> = { day: '5', move: '3', position: '10' };

type PreviewState =
  | { state: 'idle' }
  | { state: 'loading'; previous: AlertPreview | null }
  | { state: 'done'; preview: AlertPreview }
  | { state: 'error'; message: string };

/** A threshold the form starts with: the last price for a price level, a round percentage otherwise. */
function startingThreshold(kind: AlertKind, lastPrice: number | null): string {
  if (isPriceKind(kind)) return lastPrice === null ? '' : String(lastPrice);
  if (isPositionKind(kind)) return DEFAULT_PERCENT.position;
  return isMoveKind(kind) ? DEFAULT_PERCENT.move : DEFAULT_PERCENT.day;
}

/** `YYYY-MM-DD` of a moment in the viewer's time zone (a date input's value). */
function localDate(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Creates an alert on `symbol`, or on the whole portfolio when `symbol` is null (or changes
 * `existing`). While the user types, the server replays the
 * rule over the last 30 days of stored prices (debounced) and the form says how often it would have
 * fired, and whether the price is already past the level (a crossing then waits for it to come back).
 * `onDraft` follows the price level being typed, for the chart.
 */
export function AlertForm({
  symbol,
  currency,
  lastPrice,
  existing,
  onSaved,
  onCancel,
  onDraft,
  onError,
}: {
  symbol: string | null;
  currency: string | null;
  lastPrice: number | null;
  existing?: AlertRuleView;
  onSaved: (rule: AlertRuleView, pastThreshold: boolean) => void;
  onCancel: () => void;
  onDraft?: (level: number | null) => void;
  onError: (error: unknown) => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const firstKind = kindsFor(symbol)[0] as AlertKind;
  const [kind, setKind] = useState<AlertKind>(existing?.kind ?? firstKind);
  const [threshold, setThreshold] = useState(
    existing ? String(existing.threshold) : startingThreshold(firstKind, lastPrice),
  );
  const [windowMinutes, setWindowMinutes] = useState(String(existing?.windowMinutes ?? 60));
  const [frequency, setFrequency] = useState<'once' | 'rearm'>(existing?.frequency ?? 'once');
  const [chosen, setChosen] = useState<string[]>(existing?.channels ?? []);
  const [expires, setExpires] = useState(localDate(existing?.expiresAt ?? null));
  const [regularHoursOnly, setRegularHoursOnly] = useState(existing?.regularHoursOnly ?? false);
  const [note, setNote] = useState(existing?.note ?? '');
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [preview, setPreview] = useState<PreviewState>({ state: 'idle' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const previewSeq = useRef(0);

  useEffect(() => {
    form.current?.querySelector<HTMLElement>('select, input')?.focus();
    api
      .channels()
      .then((answer) => setChannels(answer.items))
      .catch(() => setChannels([]));
  }, []);

  // The threshold typed so far, when it is a number; the body both preview and save send.
  const input = useMemo((): AlertInput | null => {
    const level = Number(threshold);
    if (threshold.trim() === '' || !Number.isFinite(level)) return null;
    return {
      ...(symbol === null ? {} : { symbol }),
      kind,
      threshold: level,
      ...(isMoveKind(kind) ? { windowMinutes: Number(windowMinutes) } : {}),
      frequency,
      expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
      regularHoursOnly,
      channels: chosen,
      note: note.trim() === '' ? null : note.trim(),
    };
  }, [symbol, kind, threshold, windowMinutes, frequency, expires, regularHoursOnly, chosen, note]);

  useEffect(() => {
    onDraft?.(input && isPriceKind(input.kind) ? input.threshold : null);
  }, [input, onDraft]);
  useEffect(() => () => onDraft?.(null), [onDraft]);

  // The preview depends on what the rule fires on, not on where it is sent or its note.
  const previewKey = input
    ? JSON.stringify([input.kind, input.threshold, input.windowMinutes, input.frequency, regularHoursOnly])
    : null;
  useEffect(() => {
    const seq = ++previewSeq.current;
    if (!input || symbol === null) {
      setPreview({ state: 'idle' });
      return;
    }
    // The last answer stays (dimmed) while the next is asked for: the form does not jump as one types.
    setPreview((current) => ({
      state: 'loading',
      previous:
        current.state === 'done' ? current.preview : current.state === 'loading' ? current.previous : null,
    }));
    const timer = window.setTimeout(() => {
      api
        .previewAlert({ ...input, channels: [], note: null })
        .then((answer) => {
          if (seq === previewSeq.current) setPreview({ state: 'done', preview: answer });
        })
        .catch((err: unknown) => {
          if (seq !== previewSeq.current) return;
          onError(err);
          const message =
            err instanceof ApiError
              ? (Object.values(err.fields)[0]?.[0] ?? err.message)
              : 'Could not test the rule against past prices.';
          setPreview({ state: 'error', message });
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [previewKey]);

  const changeKind = (next: AlertKind) => {
    // A price and a percentage are different numbers: switching between them starts from a fresh one.
    const family = (k: AlertKind) => (isPriceKind(k) ? 'price' : isMoveKind(k) ? 'move' : isPositionKind(k));
    if (family(next) !== family(kind)) {
      setThreshold(startingThreshold(next, lastPrice));
    }
    setKind(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setError(null);
    if (!input) {
      setFieldErrors({ threshold: ['Type a number.'] });
      return;
    }
    setBusy(true);
    try {
      if (existing) {
        const { alert } = await api.updateAlert(existing.id, {
          threshold: input.threshold,
          ...(isMoveKind(existing.kind) ? { windowMinutes: input.windowMinutes } : {}),
          frequency: input.frequency,
          expiresAt: input.expiresAt ?? null,
          regularHoursOnly: input.regularHoursOnly,
          channels: input.channels,
          note: input.note ?? null,
        });
        onSaved(alert, false);
      } else {
        const { alert, pastThreshold } = await api.createAlert(input);
        onSaved(alert, pastThreshold);
      }
    } catch (err) {
      onError(err);
      if (err instanceof ApiError) {
        setFieldErrors(err.fields);
        setError(err.message);
      } else {
        setError('Could not save the alert.');
      }
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (name: string) => {
    const messages = fieldErrors[name];
    return messages?.length ? (
      <p className="field-error" id={`${id}-${name}-error`}>
        {messages.join(' ')}
      </p>
    ) : null;
  };
  const invalid = (name: string) =>
    fieldErrors[name]?.length
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${name}-error` }
      : {};

  const percent = !isPriceKind(kind);
  return (
    <form
      className="alert-form"
      ref={form}
      onSubmit={submit}
      noValidate
      aria-label={existing ? 'Edit alert' : `Create an alert on ${symbol ?? 'your portfolio'}`}
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-kind`}>When</label>
          <select
            id={`${id}-kind`}
            value={kind}
            disabled={existing !== undefined}
            onChange={(event) => changeKind(event.target.value as AlertKind)}
          >
            {kindsFor(symbol).map((option) => (
              <option key={option} value={option}>
                {KIND_LABELS[option]}
              </option>
            ))}
          </select>
          {fieldError('symbol')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-threshold`}>
            {percent ? 'Percent' : `Price${currency ? ` (${currency})` : ''}`}
          </label>
          <input
            id={`${id}-threshold`}
            type="number"
            inputMode="decimal"
            step="any"
            min="0"
            value={threshold}
            onChange={(event) => setThreshold(event.target.value)}
            {...invalid('threshold')}
          />
          {fieldError('threshold')}
        </div>
        {isMoveKind(kind) && (
          <div className="field">
            <label htmlFor={`${id}-window`}>Within (minutes)</label>
            <input
              id={`${id}-window`}
              type="number"
              inputMode="numeric"
              min="1"
              max="240"
              step="1"
              value={windowMinutes}
              onChange={(event) => setWindowMinutes(event.target.value)}
              {...invalid('windowMinutes')}
            />
            {fieldError('windowMinutes')}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-frequency`}>Fires</label>
          <select
            id={`${id}-frequency`}
            value={frequency}
            onChange={(event) => setFrequency(event.target.value as 'once' | 'rearm')}
          >
            <option value="once">Once</option>
            <option value="rearm">Every time (re-arms after it moves back)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-expires`}>Until (optional)</label>
          <input
            id={`${id}-expires`}
            type="date"
            value={expires}
            onChange={(event) => setExpires(event.target.value)}
            {...invalid('expiresAt')}
          />
          {fieldError('expiresAt')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <input
            id={`${id}-note`}
            maxLength={500}
            value={note}
            onChange={(event) => setNote(event.target.value)}
            {...invalid('note')}
          />
          {fieldError('note')}
        </div>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={regularHoursOnly}
          onChange={(event) => setRegularHoursOnly(event.target.checked)}
        />
        Only during regular trading hours
      </label>
      <fieldset className="channels-choice">
        <legend>Tell me</legend>
        <label className="check">
          <input type="checkbox" checked disabled /> In the app
        </label>
        {channels?.map((channel) => (
          <label className="check" key={channel.id}>
            <input
              type="checkbox"
              checked={chosen.includes(channel.id)}
              onChange={(event) =>
                setChosen((current) =>
                  event.target.checked ? [...current, channel.id] : current.filter((c) => c !== channel.id),
                )
              }
            />
            {channel.name}{' '}
            <span className="muted small">
              ({channel.type}
              {channel.enabled ? '' : ', disabled'})
            </span>
          </label>
        ))}
        {channels?.length === 0 && (
          <p className="muted small">
            Push, email and webhooks are set up in{' '}
            <a href="/settings" onClick={followLink}>
              Settings
            </a>
            .
          </p>
        )}
        {fieldError('channels')}
      </fieldset>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {existing ? 'Save alert' : 'Create alert'}
        </button>
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <PreviewAnswer preview={preview} currency={currency} portfolio={symbol === null} />
    </form>
  );
}

/** "Would have fired N times in 30 days", when, and whether the price is already past the level. */
function PreviewAnswer({
  preview,
  currency,
  portfolio,
}: {
  preview: PreviewState;
  currency: string | null;
  portfolio: boolean;
}) {
  return (
    <div className="alert-preview" aria-live="polite" data-testid="alert-preview">
      {portfolio ? (
        <p className="muted small">
          Fires when your portfolio's value (cash included) is this far above or below its value at the
          previous closes; each way at most once a trading day. There is no past test for a portfolio.
        </p>
      ) : (
        <>
          {preview.state === 'loading' && (
            <p className="muted small">Testing the rule against the last 30 days…</p>
          )}
          {preview.state === 'error' && <p className="form-error">{preview.message}</p>}
          {preview.state === 'done' && <PreviewResult preview={preview.preview} currency={currency} />}
        </>
      )}
    </div>
  );
}

function PreviewResult({ preview, currency }: { preview: AlertPreview; currency: string | null }) {
  const times = preview.count === 1 ? 'once' : `${preview.count} times`;
  return (
    <>
      {preview.pastThreshold && (
        <p className="banner warning">
          The price is already past this level: the alert waits for the price to come back and cross it.
        </p>
      )}
      {preview.resolution === null ? (
        <p className="muted small">No prices of this symbol are stored yet to test the rule against.</p>
      ) : (
        <p>
          {preview.count === 0 ? 'Would not have fired' : `Would have fired ${times}`} in the last 30 days
          {preview.resolution === '1d' ? ' (tested on daily prices)' : ''}
          {preview.count > 0 ? ':' : '.'}
        </p>
      )}
      {preview.firings.length > 0 && (
        <ul className="preview-firings small">
          {preview.firings.slice(0, PREVIEW_LISTED).map((firing) => (
            <li key={firing.time}>
              <time dateTime={firing.time}>{formatDateTime(firing.time)}</time> at{' '}
              {formatPrice(firing.price, currency)}
            </li>
          ))}
          {preview.count > PREVIEW_LISTED && (
            <li className="muted">and {preview.count - PREVIEW_LISTED} more</li>
          )}
        </ul>
      )}
    </>
  );
}
