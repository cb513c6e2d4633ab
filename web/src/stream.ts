import type { FeedStatus, Quote } from '../../src/market/market.schemas.js';
import type { StreamFrame } from '../../src/stream/stream.schemas.js';
import { api } from './api';

export type { FeedStatus };
export type AlertFrame = Extract<StreamFrame, { type: 'alert' }>['alert'];
export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface StreamHandlers {
  onQuotes(quotes: Quote[], snapshot: boolean): void;
  onFeedStatus(status: FeedStatus): void;
  /** One of the user's alerts fired (optional: only the app shell shows them). */
  onAlert?(alert: AlertFrame): void;
  onConnection(state: ConnectionState): void;
  /** The server refused the stream (session gone): stop reconnecting. */
  onUnauthorized(): void;
}

/**
 * The live price stream: reconnects after any drop with exponential backoff and jitter (1 s up to
 * 30 s), and every reconnect starts with a fresh snapshot from the server.
 */
export function openPriceStream(handlers: StreamHandlers): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: number | undefined;
  let stopped = false;

  const connect = () => {
    handlers.onConnection('connecting');
    const url = new URL('/api/v1/stream', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      handlers.onConnection('open');
    };
    ws.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as StreamFrame;
      if (frame.type === 'status') handlers.onFeedStatus(frame.feed);
      else if (frame.type === 'alert') handlers.onAlert?.(frame.alert);
      else handlers.onQuotes(frame.quotes, frame.type === 'snapshot');
    };
    ws.onclose = () => {
      if (stopped) return;
      handlers.onConnection('closed');
      if (!opened && attempt >= 2) {
        // A handshake refused twice in a row is most likely an expired session: ask the app to check.
        api
          .whoami()
          .then(({ user }) => {
            if (!user) {
              stopped = true;
              handlers.onUnauthorized();
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
  };

  connect();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    socket?.close();
  };
}
