import type { Clock } from '../clock.js';
import type { LoginThrottleLimits, SharedCounts } from '../http/request-limits.js';

const WINDOW_MS = 60_000;
const MAX_KEYS = 100_000;

/**
 * The account a login attempt is counted against: the user it names, however it was typed (username
 * or email, any case), so the two forms do not give twice the tries; a login that names nobody is
 * counted under its lowered text.
 */
export function throttledAccount(userId: string | undefined, login: string): string {
  return userId === undefined ? `login:${login.toLowerCase()}` : `user:${userId}`;
}

/**
 * Counts failed logins in a sliding minute, per account+address and per address, and says how long a
 * client must wait once either is exhausted. Only failures count, so a user who types the password
 * right is never slowed down by someone else's guessing from another address. In a cluster the
 * failures are also counted in the shared counts (fixed minutes), so guesses spread over the
 * instances meet the same limit.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginThrottleLimits,
    private readonly shared?: SharedCounts,
  ) {}

  /** Seconds to wait before another attempt is allowed, or 0; `account` is `throttledAccount`'s. */
  async retryAfterSeconds(account: string, address: string): Promise<number> {
    const now = this.clock.now();
    const waits = [
      this.wait(accountKey(account, address), this.limits.perAccountAndAddress, now),
      this.wait(addressKey(address), this.limits.perAddress, now),
    ];
    if (this.shared) {
      const minute = Math.floor(now / WINDOW_MS);
      const untilNextMinute = (minute + 1) * WINDOW_MS - now;
      const counts = await Promise.all(
        [accountKey(account, address), addressKey(address)].map((key) =>
          this.shared?.get(sharedKey(key, minute)).catch(() => null),
        ),
      );
      const limits = [this.limits.perAccountAndAddress, this.limits.perAddress];
      counts.forEach((count, i) => {
        if (Number(count ?? 0) >= (limits[i] ?? 0)) waits.push(untilNextMinute);
      });
    }
    return Math.ceil(Math.max(...waits) / 1000);
  }

  async recordFailure(account: string, address: string): Promise<void> {
    const now = this.clock.now();
    if (this.failures.size > MAX_KEYS) this.prune(now);
    const keys = [accountKey(account, address), addressKey(address)];
    for (const key of keys) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.set(key, times);
    }
    const minute = Math.floor(now / WINDOW_MS);
    await Promise.all(
      keys.map((key) => this.shared?.increment(sharedKey(key, minute), WINDOW_MS).catch(() => undefined)),
    );
  }

  recordSuccess(account: string, address: string): void {
    this.failures.delete(accountKey(account, address));
  }

  private wait(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    return (times[times.length - limit] ?? now) + WINDOW_MS - now;
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) {
      if (!times.some((t) => t > now - WINDOW_MS)) this.failures.delete(key);
    }
  }
}

const accountKey = (account: string, address: string) => `account:${account}|${address}`;
const addressKey = (address: string) => `address:${address}`;
const sharedKey = (key: string, minute: number) => `login-failures:${key}:${minute}`;
