import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** False for the probes (/healthz, /readyz, /metrics): monitoring is never refused. */
    requestLimits?: false;
  }
}

export interface RequestLimits {
  /** Requests per minute from one address, whatever they are (counted before anything else runs). */
  perAddressPerMinute: number;
  /** Requests per minute from one logged-in user, from any address (the session decides, not the address). */
  perUserPerMinute: number;
  /** Register and login requests per minute from one address. */
  authPerAddressPerMinute: number;
}

/** The failed-login throttle's limits (counted by `auth/login-throttle.ts`), kept with the other limits. */
export interface LoginThrottleLimits {
  /** Failed logins for one account from one address within a minute before further tries are refused. */
  perAccountAndAddress: number;
  /** Failed logins from one address (any account) within a minute before further tries are refused. */
  perAddress: number;
}

const WINDOW_MS = 60_000;

/**
 * Counts that several instances share (the cluster's bus): `increment` adds one to a counter that
 * expires after `ttlMs` and answers its new value; `get` reads one. Both may fail (the engine is
 * away): each instance then decides on its own counts.
 */
export interface SharedCounts {
  increment(key: string, ttlMs: number): Promise<number>;
  get(key: string): Promise<string | null>;
}
/** Beyond this many counted keys, windows that have ended are dropped. */
const SWEEP_ABOVE_KEYS = 50_000;

/**
 * Request counts per key in fixed one-minute windows, in memory: a lookup and an increment, so it can
 * run first on every request, before any database work. In a cluster every instance also counts in
 * the shared counts (one per key and minute), so a client spreading its requests over the instances
 * meets the same limit; while those are unreachable each instance limits on its own.
 */
export class RequestCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly shared?: SharedCounts,
  ) {}

  /** Counts one request for `key`; the seconds to wait when that is more than `max` a minute, else 0. */
  count(key: string, max: number): number {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= SWEEP_ABOVE_KEYS) this.sweep(now);
      window = { count: 0, endsAt: now + WINDOW_MS };
      this.windows.set(key, window);
    }
    window.count++;
    return window.count > max ? Math.max(1, Math.ceil((window.endsAt - now) / 1000)) : 0;
  }

  /** An onRequest hook refusing (429) a request over `max` a minute for its key; `key` undefined skips. */
  limit(max: number, key: (request: FastifyRequest) => string | undefined): onRequestAsyncHookHandler {
    return async (request) => {
      if (request.routeOptions.config.requestLimits === false) return;
      const counted = key(request);
      if (counted === undefined) return;
      let retryAfter = this.count(counted, max);
      if (retryAfter === 0 && this.shared) retryAfter = await this.countShared(counted, max);
      if (retryAfter > 0) throw new AppError('rate_limited', undefined, undefined, retryAfter);
    };
  }

  /** The cluster-wide count of this minute; 0 (allowed) when the shared counts cannot answer. */
  private async countShared(key: string, max: number): Promise<number> {
    const now = this.clock.now();
    const minute = Math.floor(now / WINDOW_MS);
    try {
      const count = await (this.shared as SharedCounts).increment(`limits:${key}:${minute}`, WINDOW_MS);
      return count > max ? Math.max(1, Math.ceil(((minute + 1) * WINDOW_MS - now) / 1000)) : 0;
    } catch {
      return 0;
    }
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

/**
 * The per-address limit, as the first onRequest hook: every request counts (a 401 for a bad cookie,
 * a 404, a 400 too), and one over the limit is refused before its session is looked up.
 */
export function registerAddressLimit(
  app: FastifyInstance,
  counter: RequestCounter,
  limits: RequestLimits,
): void {
  app.addHook(
    'onRequest',
    counter.limit(limits.perAddressPerMinute, (request) => `address:${request.ip}`),
  );
}

/** Every request and login limit the app applies. */
export type RateLimits = RequestLimits & LoginThrottleLimits;

export const defaultRateLimits: RateLimits = {
  perAddressPerMinute: 1200,
  perUserPerMinute: 600,
  authPerAddressPerMinute: 30,
  perAccountAndAddress: 5,
  perAddress: 20,
};
