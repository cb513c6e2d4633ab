import type { Clock } from '../../clock.js';
import { sameUtcDay } from '../kernel/periods.js';

/** The REST side of a market-data provider as the admin console shows it. */
export interface RestHealth {
  /** Calls made in the current minute window, and still allowed in it (this process's share). */
  used: number;
  remaining: number;
  perMinute: number;
  /** 429 answers since midnight UTC. */
  rateLimitedToday: number;
  lastError: { message: string; at: Date } | null;
}

/**
 * What went wrong with the provider lately: told every REST call's outcome and the stream's
 * errors, it keeps today's 429 count and the last error (our own words, never the upstream's: they
 * may carry the key).
 */
export class UpstreamHealth {
  private rateLimited = 0;
  private countedDay = 0;
  private last: { message: string; at: Date } | null = null;

  constructor(private readonly clock: Clock) {}

  /** A REST call's outcome: its HTTP status, or `timeout` / `network`. */
  recordCall(status: string): void {
    if (/^2\d\d$/.test(status)) return;
    if (status === '429') {
      this.rollDay();
      this.rateLimited++;
    }
    this.recordError(/^\d+$/.test(status) ? `REST call answered ${status}` : `REST call failed (${status})`);
  }

  recordError(message: string): void {
    this.last = { message, at: new Date(this.clock.now()) };
  }

  rateLimitedToday(): number {
    this.rollDay();
    return this.rateLimited;
  }

  lastError(): { message: string; at: Date } | null {
    return this.last;
  }

  private rollDay(): void {
    const now = this.clock.now();
    if (!sameUtcDay(now, this.countedDay)) {
      this.countedDay = now;
      this.rateLimited = 0;
    }
  }
}
