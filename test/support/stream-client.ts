import WebSocket from 'ws';

export interface Frame {
  type: string;
  quotes?: Array<{ symbol: string; price: number; [key: string]: unknown }>;
  feed?: string;
}

/** A WebSocket client of /api/v1/stream that keeps every frame and can wait for the next matching one. */
export class StreamClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static connect(baseUrl: string, headers: Record<string, string>): Promise<StreamClient> {
    const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/stream`, { headers });
    const client = new StreamClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error('refused'), { status: res.statusCode })),
      );
      socket.once('error', reject);
    });
  }

  /** The next frame (already received or still to come) that matches, or a rejection after `timeoutMs`. */
  next(match: (f: Frame) => boolean, timeoutMs = 3000, after = 0): Promise<Frame> {
    const seen = this.frames.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  quotesFor(symbol: string, after = 0): number[] {
    return this.frames
      .slice(after)
      .flatMap((f) => (f.type === 'quotes' ? (f.quotes ?? []) : []))
      .filter((q) => q.symbol === symbol)
      .map((q) => q.price);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
