import type { FeedStatus, Quote } from '../../src/market/market.schemas.js';
import { STREAM_CLOSE_CODES } from '../../src/stream/close-codes.js';
import type { StreamFrame } from '../../src/stream/stream.schemas.js';
import { api } from './api';

export type { FeedStatus };
export type AlertFrame = Extract<StreamFrame, { type: 'alert' }>['alert'];
/** `refused`: the server closed this tab's stream because the user has too many open; it is not retried. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'refused';

/** What a part of the page wants from the stream; every handler but `onUnauthorized` is optional. */
export interface StreamHandlers {
  onQuotes?(quotes: Quote[], snapshot: boolean): void;
  onFeedStatus?(status: FeedStatus): void;
  /** One of the user's alerts fired. */
  onAlert?(alert: AlertFrame): void;
  onConnection?(state: ConnectionState): void;
  /** The server refused the stream or closed it because its session ended: it stopped reconnecting. */
  onUnauthorized(): void;
}

/**
 * One WebSocket per tab, shared by everything on the page that follows it (the app shell for alerts,
 * the page for prices): the server counts and feeds each socket, and a page change keeps it open.
 * A part that joins an open stream is first given what the others already know: the connection
 * state, the feed status and the latest quote of each symbol (as a snapshot).
 */
const subscribers = new Set<StreamHandlers>();
const latest = new Map<string, Quote>();
let feed: FeedStatus | null = null;
let connection: ConnectionState = 'connecting';
let snapshotSeen = false;
let socket: WebSocket | null = null;
let attempt = 0;
let timer: number | undefined;

function broadcast(call: (handlers: StreamHandlers) => void): void {
  for (const handlers of [...subscribers]) call(handlers);
}

function setConnection(state: ConnectionState): void {
  connection = state;
  broadcast((h) => h.onConnection?.(state));
}

/**
 * Reconnects after any drop with exponential backoff and jitter (1 s up to 30 s). A socket that was
 * open starts again from the shortest delay: a server shutting down closes streams with 1012
 * (service restart), and the browser is back within a second, through the proxy, on another instance.
 */
function connect(): void {
  setConnection('connecting');
  const url = new URL('/api/v1/stream', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  socket = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    attempt = 0;
    setConnection('open');
  };
  ws.onmessage = (event) => {
    const frame = JSON.parse(String(event.data)) as StreamFrame;
    if (frame.type === 'status') {
      feed = frame.feed;
      broadcast((h) => h.onFeedStatus?.(frame.feed));
    } else if (frame.type === 'alert') {
      broadcast((h) => h.onAlert?.(frame.alert));
    } else {
      // Every (re)connection starts with a fresh snapshot from the server.
      if (frame.type === 'snapshot') {
        latest.clear();
        snapshotSeen = true;
      }
      for (const quote of frame.quotes) latest.set(quote.symbol, quote);
      broadcast((h) => h.onQuotes?.(frame.quotes, frame.type === 'snapshot'));
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    if (event.code === STREAM_CLOSE_CODES.sessionEnded) {
      // Signed out (here or elsewhere), the password changed, the session revoked: no retry.
      stop();
      broadcast((h) => h.onUnauthorized());
      return;
    }
    if (event.code === STREAM_CLOSE_CODES.tooManyStreams) {
      stop();
      setConnection('refused');
      return;
    }
    setConnection('closed');
    if (!opened && attempt >= 2) {
      // A handshake refused twice in a row is most likely an expired session: ask the app to check.
      api
        .whoami()
        .then(({ user }) => {
          if (!user && socket === ws) {
            stop();
            broadcast((h) => h.onUnauthorized());
          }
        })
        .catch(() => {
          // The server is unreachable, not refusing: keep reconnecting.
        });
    }
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    timer = window.setTimeout(connect, delay);
  };
}

function stop(): void {
  window.clearTimeout(timer);
  const ws = socket;
  socket = null;
  ws?.close();
  latest.clear();
  feed = null;
  snapshotSeen = false;
  attempt = 0;
}

/** Follows the live stream until the returned function is called. */
export function openPriceStream(handlers: StreamHandlers): () => void {
  subscribers.add(handlers);
  if (socket === null) {
    connect();
  } else {
    handlers.onConnection?.(connection);
    if (feed) handlers.onFeedStatus?.(feed);
    if (snapshotSeen) handlers.onQuotes?.([...latest.values()], true);
  }
  return () => {
    subscribers.delete(handlers);
    if (subscribers.size === 0) stop();
  };
}
