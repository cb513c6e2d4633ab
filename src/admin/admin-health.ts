import type { FeedCoverage, FeedStatus } from '../market/providers/provider.js';
import type { SourceState } from '../market/providers/registry/source-registry.js';
import type { RestHealth } from '../market/providers/upstream-health.js';
import type { AdminHealth } from './admin.schemas.js';

/**
 * What the admin console's health page reads, each from the module that knows it, passed in as
 * read-only functions (this module imports none of them).
 */
export interface HealthSources {
  mode: 'simulated' | 'live';
  /** Absent for the simulated market. */
  sources?: () => SourceState[];
  feedStatus: () => FeedStatus;
  upstream: () => { connected: boolean; subscriptions: number };
  coverage: () => FeedCoverage;
  /** Absent for the simulated market (no REST budget). */
  rest?: () => RestHealth;
  streamClients: () => number;
  deliveryBacklog: () => Promise<Array<{ channelType: string; pending: number; failed: number }>>;
}

export async function readHealth(sources: HealthSources): Promise<AdminHealth> {
  const rest = sources.rest?.();
  return {
    feed: {
      mode: sources.mode,
      sources: sources.sources?.() ?? [],
      status: sources.feedStatus(),
      ...sources.upstream(),
      symbols: sources.coverage(),
      rest: rest
        ? {
            used: rest.used,
            remaining: rest.remaining,
            perMinute: rest.perMinute,
            rateLimitedToday: rest.rateLimitedToday,
            lastError: rest.lastError
              ? { message: rest.lastError.message, at: rest.lastError.at.toISOString() }
              : null,
          }
        : null,
    },
    stream: { clients: sources.streamClients() },
    deliveries: await sources.deliveryBacklog(),
  };
}
