import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, type NotificationView } from './api';
import { formatDateTime, formatPrice } from './format';
import { followLink, stockPath } from './router';
import { useSessionEndedHandler } from './session';
import { type AlertFrame, openPriceStream } from './stream';

/** How long a toast stays when nobody dismisses it. */
const TOAST_MS = 8000;
/** Toasts shown at once; an older one gives its place to a newer. */
const MAX_TOASTS = 3;

/**
 * The app shell's part of alerts, while someone is signed in: the shared stream's `alert` frames
 * become toasts and move the bell's unread count; the bell opens the notification centre.
 */
export function AlertCenter({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [toasts, setToasts] = useState<AlertFrame[]>([]);
  const [unread, setUnread] = useState<number | null>(null);
  /** Bumped by every frame and reconnection: the open panel reloads its list. */
  const [changes, setChanges] = useState(0);

  const handleError = useSessionEndedHandler(onSessionEnded);

  const loadCount = useCallback(() => {
    api
      .notifications()
      .then((answer) => setUnread(answer.unread))
      .catch(handleError);
  }, [handleError]);

  useEffect(() => {
    loadCount();
    let dropped = false;
    return openPriceStream({
      onAlert: (alert) => {
        setToasts((current) => [...current.filter((t) => t.id !== alert.id), alert].slice(-MAX_TOASTS));
        setUnread((count) => (count ?? 0) + 1);
        setChanges((n) => n + 1);
      },
      onConnection: (state) => {
        // Frames sent while the socket was down are lost: the count is asked for again.
        if (state === 'closed') dropped = true;
        if (state === 'open' && dropped) {
          dropped = false;
          loadCount();
          setChanges((n) => n + 1);
        }
      },
      onUnauthorized: onSessionEnded,
    });
  }, [loadCount, onSessionEnded]);

  const dismiss = useCallback((id: string) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  return (
    <>
      <NotificationBell unread={unread} onUnread={setUnread} changes={changes} onError={handleError} />
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </>
  );
}

function Toasts({ toasts, onDismiss }: { toasts: AlertFrame[]; onDismiss: (id: string) => void }) {
  // Always in the page, so screen readers already follow the region when a toast is added. Fixed
  // over the page's corner: a toast never moves the page (no layout shift).
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <Toast key={toast.id} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

/** Each toast goes by itself; what it said stays in the notification centre. */
function Toast({ toast, onDismiss }: { toast: AlertFrame; onDismiss: (id: string) => void }) {
  useEffect(() => {
    const timer = window.setTimeout(() => onDismiss(toast.id), TOAST_MS);
    return () => window.clearTimeout(timer);
  }, [toast.id, onDismiss]);
  return (
    <div className="toast" data-testid="alert-toast">
      <div className="toast-body">
        {toast.message}{' '}
        {toast.symbol !== null && (
          <a href={stockPath(toast.symbol)} onClick={followLink} aria-label={`Open ${toast.symbol}`}>
            Open
          </a>
        )}
      </div>
      <button
        type="button"
        className="remove"
        aria-label={`Dismiss the ${toast.symbol ?? 'portfolio'} alert`}
        onClick={() => onDismiss(toast.id)}
      >
        ×
      </button>
    </div>
  );
}

/**
 * The bell: the unread count, and the notification centre it opens (newest first; mark one or all
 * read). Opening moves the focus into the panel; Escape or the bell closes it and gives the focus
 * back to the bell, as the column chooser does.
 */
function NotificationBell({
  unread,
  onUnread,
  changes,
  onError,
}: {
  unread: number | null;
  onUnread: (count: number) => void;
  changes: number;
  onError: (error: unknown) => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<NotificationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  const close = useCallback((giveFocusBack: boolean) => {
    setOpen(false);
    if (giveFocusBack) button.current?.focus();
  }, []);

  // `changes` is a dependency on purpose: a new alert or a reconnection reloads the open list.
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api
      .notifications()
      .then((answer) => {
        if (cancelled) return;
        setItems(answer.items);
        onUnread(answer.unread);
        setError(null);
      })
      .catch((err: unknown) => {
        onError(err);
        if (!cancelled) setError(err instanceof ApiError ? err.message : 'Could not load notifications.');
      });
    return () => {
      cancelled = true;
    };
  }, [open, changes, onUnread, onError]);

  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('button:not(:disabled), a[href]')?.focus();
  }, [open]);

  // A "Mark read" button goes once its item is read: the focus it had stays in the panel.
  useEffect(() => {
    if (open && items && document.activeElement === document.body) panel.current?.focus();
  }, [open, items]);

  // A click anywhere else closes the panel (the focus stays where the click put it); Escape closes it
  // wherever the focus is (a "Mark read" button that was just used is gone from the page).
  useEffect(() => {
    if (!open) return;
    const outside = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) close(false);
    };
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close(true);
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', onEscape);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', onEscape);
    };
  }, [open, close]);

  /** A link in the panel moves to its page and closes the panel. */
  const leave = (event: Parameters<typeof followLink>[0]) => {
    followLink(event);
    close(false);
  };

  const markRead = (ids: string[] | 'all') => {
    setError(null);
    api
      .markRead(ids === 'all' ? { all: true } : { ids })
      .then((answer) => {
        onUnread(answer.unread);
        setItems(
          (current) =>
            current?.map((item) =>
              ids === 'all' || ids.includes(item.id) ? { ...item, read: true } : item,
            ) ?? current,
        );
      })
      .catch((err: unknown) => {
        onError(err);
        setError(err instanceof ApiError ? err.message : 'Could not mark them read.');
      });
  };

  const count = unread ?? 0;
  return (
    <span className="bell-wrap">
      <button
        type="button"
        className="bell"
        ref={button}
        aria-label={count > 0 ? `Notifications, ${count} unread` : 'Notifications'}
        aria-expanded={open}
        aria-controls={open ? `${id}-panel` : undefined}
        onClick={() => (open ? close(true) : setOpen(true))}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.5A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm-2.3 15.5a2.4 2.4 0 0 0 4.6 0Z" />
        </svg>
        {count > 0 && (
          <span className="bell-count" data-testid="bell-count" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      {open && (
        <div
          className="notification-panel"
          id={`${id}-panel`}
          role="dialog"
          aria-labelledby={`${id}-title`}
          ref={panel}
          tabIndex={-1}
        >
          <div className="chooser-header">
            <h2 id={`${id}-title`}>Notifications</h2>
            <button
              type="button"
              className="link-button"
              disabled={count === 0}
              onClick={() => markRead('all')}
            >
              Mark all read
            </button>
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {items?.length === 0 && (
            <p className="muted small">Nothing yet: your alerts are listed here when they fire.</p>
          )}
          {items && items.length > 0 && (
            <ul className="notification-list">
              {items.map((item) => (
                <li key={item.id} className={item.read ? undefined : 'unread'}>
                  <p className="notification-message">
                    {!item.read && <span className="visually-hidden">Unread: </span>}
                    {item.message}
                  </p>
                  <p className="muted small">
                    {item.symbol && (
                      <>
                        <a href={stockPath(item.symbol)} onClick={(event) => leave(event)}>
                          {item.symbol}
                        </a>
                        {item.price !== null && ` at ${formatPrice(item.price, null)}`}
                        {' · '}
                      </>
                    )}
                    <time dateTime={item.firedAt}>{formatDateTime(item.firedAt)}</time>
                  </p>
                  {!item.read && (
                    <button type="button" className="link-button small" onClick={() => markRead([item.id])}>
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <p className="small panel-footer">
            <a href="/alerts" onClick={(event) => leave(event)}>
              All alerts
            </a>
          </p>
        </div>
      )}
    </span>
  );
}
