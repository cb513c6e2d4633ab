import type { Logger } from 'pino';

/** Where a BatchWriter takes its items from, and gives back the ones a failed write did not store. */
export interface BatchSource<T> {
  take(): T[];
  giveBack(items: T[]): void;
}

/**
 * Writes whatever accumulated in `source` on an interval, one batch per flush however many updates
 * arrived (the last quotes, the price bars). A failed write hands its items back to be retried with
 * the next flush; `stop` flushes once more so a clean shutdown loses nothing.
 */
export class BatchWriter<T> {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      /** For log lines: "last quotes", "price bars". */
      what: string;
      source: BatchSource<T>;
      write: (items: T[]) => Promise<void>;
      logger: Logger;
      intervalMs: number;
      /** Told how long each write took, in seconds. */
      onWrite?: (seconds: number) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Flushes now; serialised so two flushes never race on the same rows. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const items = this.options.source.take();
      if (items.length === 0) return;
      const started = performance.now();
      try {
        await this.options.write(items);
        this.options.onWrite?.((performance.now() - started) / 1000);
      } catch (error) {
        this.options.source.giveBack(items);
        this.options.logger.warn(
          { count: items.length, reason: (error as Error).message },
          `saving ${this.options.what} failed; will retry`,
        );
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
