import type { ClusterBus } from '../../src/cluster/cluster-bus.js';

/**
 * The cluster's bus inside one process, for tests that put several members in one: every member
 * gets its own view (`member()`) of shared channels and keys, as each instance has its own Redis
 * connections. Messages are delivered at once, in order; every message published is also kept in
 * `published`, so a test can count what crossed. Keys do not expire.
 */
export class MemoryBusNetwork {
  readonly published: Array<{ channel: string; message: string }> = [];
  private readonly subscribers = new Map<string, Set<(message: string) => void>>();
  private readonly keys = new Map<string, string>();

  member(): ClusterBus {
    const own = new Map<string, (message: string) => void>();
    const { subscribers, keys, published } = this;
    return {
      publish: (channel, message) => {
        published.push({ channel, message });
        for (const handler of subscribers.get(channel) ?? []) handler(message);
      },
      subscribe: async (channel, handler) => {
        const previous = own.get(channel);
        if (previous) subscribers.get(channel)?.delete(previous);
        own.set(channel, handler);
        const set = subscribers.get(channel) ?? new Set();
        set.add(handler);
        subscribers.set(channel, set);
      },
      unsubscribe: async (channel) => {
        const handler = own.get(channel);
        if (handler) subscribers.get(channel)?.delete(handler);
        own.delete(channel);
      },
      acquireLease: async () => null,
      renewLease: async () => false,
      releaseLease: async () => undefined,
      leaseHolder: async () => null,
      setExpiring: async (key, value) => {
        keys.set(key, value);
      },
      get: async (key) => keys.get(key) ?? null,
      getAll: async (prefix) => new Map([...keys].filter(([key]) => key.startsWith(prefix))),
      increment: async (key) => {
        const next = Number(keys.get(key) ?? 0) + 1;
        keys.set(key, String(next));
        return next;
      },
      connected: () => true,
      onConnection: () => undefined,
      close: async () => undefined,
    };
  }

  /** The messages published on `channel`, in order. */
  on(channel: string): string[] {
    return this.published.filter((entry) => entry.channel === channel).map((entry) => entry.message);
  }
}
