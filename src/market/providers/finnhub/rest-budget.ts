import type { Clock } from '../../../clock.js';

/**
 * The one gate every Finnhub REST call passes: at most `perMinute` calls in any 60-second window and
 * `perSecond` in any 1-second window (sliding windows, not a refilling bucket, whose bursts would
 * break Finnhub's own limit). After a 429 every call waits until the minute window has rolled over.
 */
export class RestBudget {
  private readonly calls: number[] = [];
  private pausedUntil = 0;

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
    private readonly perSecond = 30,
  ) {}

  /** Calls still allowed in the current minute window. */
  remaining(): number {
    this.prune();
    if (this.clock.now() < this.pausedUntil) return 0;
    return Math.max(0, this.perMinute - this.calls.length);
  }

  /** Milliseconds until a call would be allowed; 0 when one is allowed now. */
  waitMs(): number {
    const now = this.clock.now();
    this.prune();
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.calls.length >= this.perMinute) {
      wait = Math.max(wait, (this.calls[this.calls.length - this.perMinute] ?? now) + 60_000 - now);
    }
    const lastSecond = this.calls.filter((t) => t > now - 1000);
    if (lastSecond.length >= this.perSecond) {
      wait = Math.max(wait, (lastSecond[lastSecond.length - this.perSecond] ?? now) + 1000 - now);
    }
    return wait;
  }

  /**
   * Takes a slot if one is free now and at least `keepFree` more stay free for other callers.
   * Background work passes a reserve so interactive requests are served first.
   */
  tryTake(keepFree = 0): boolean {
    if (this.waitMs() > 0 || this.remaining() <= keepFree) return false;
    this.calls.push(this.clock.now());
    return true;
  }

  /** Finnhub answered 429: stop until the minute that produced it is over. */
  pauseAfterRateLimit(): void {
    const now = this.clock.now();
    this.prune();
    this.pausedUntil = Math.max(this.pausedUntil, (this.calls[0] ?? now) + 60_000, now + 1000);
  }

  private prune(): void {
    const cutoff = this.clock.now() - 60_000;
    while (this.calls.length > 0 && (this.calls[0] ?? 0) <= cutoff) this.calls.shift();
  }
}
