import type { Clock } from '../../clock.js';

/**
 * A source's request gate (Finnhub's, with each user's fair share; the registry's for every other
 * source): at most `perMinute` calls in any 60-second window and `perSecond` in any 1-second window
 * (sliding windows, not a refilling bucket, whose bursts would break a source's own limit). After a 429 every call waits until the minute window has rolled over.
 * Calls made for a user count against that user's share too, at most `perUserPerMinute` in any 60 s,
 * so no one user can spend what everyone shares.
 */
export class RestBudget {
  private readonly calls: number[] = [];
  private readonly userCalls = new Map<string, number[]>();
  private pausedUntil = 0;
  private perMinute: number;
  private perUserPerMinute: number;

  constructor(
    private readonly clock: Clock,
    private readonly fullPerMinute: number,
    private readonly perSecond = 30,
    private readonly fullPerUserPerMinute = fullPerMinute,
  ) {
    this.perMinute = fullPerMinute;
    this.perUserPerMinute = fullPerUserPerMinute;
  }

  /**
   * This process may use `fraction` of the budget (a cluster shares one key's limit between its
   * instances); each user's share shrinks alike.
   */
  share(fraction: number): void {
    this.perMinute = Math.max(1, Math.floor(this.fullPerMinute * fraction));
    this.perUserPerMinute = Math.max(
      1,
      Math.min(this.perMinute, Math.ceil(this.fullPerUserPerMinute * fraction)),
    );
  }

  /** Calls made in the current minute window, and this process's limit per minute. */
  usage(): { used: number; perMinute: number } {
    this.prune();
    return { used: this.calls.length, perMinute: this.perMinute };
  }

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
  tryTake(keepFree = 0, user?: string): boolean {
    if (this.waitMs() > 0 || this.remaining() <= keepFree) return false;
    if (user !== undefined && this.userWaitMs(user) > 0) return false;
    const now = this.clock.now();
    this.calls.push(now);
    if (user !== undefined) {
      const calls = this.userCalls.get(user);
      if (calls) calls.push(now);
      else this.userCalls.set(user, [now]);
    }
    return true;
  }

  /** Milliseconds until `user`'s share allows another call; 0 when it allows one now. */
  userWaitMs(user: string): number {
    const calls = this.userCalls.get(user);
    if (!calls) return 0;
    const now = this.clock.now();
    while (calls.length > 0 && (calls[0] ?? 0) <= now - 60_000) calls.shift();
    if (calls.length === 0) {
      this.userCalls.delete(user);
      return 0;
    }
    if (calls.length < this.perUserPerMinute) return 0;
    return (calls[calls.length - this.perUserPerMinute] ?? now) + 60_000 - now;
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
