import type { Clock } from '../clock.js';
import { SingleFlight } from '../single-flight.js';

/**
 * Values kept for `ttlMs`, at most `maxEntries` of them (least recently used dropped first), with
 * concurrent misses for one key sharing one load. A load that fails is not cached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  private readonly loads = new SingleFlight<V>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The cached value if still fresh, without loading. */
  peek(key: string): V | undefined {
    const cached = this.entries.get(key);
    return cached && this.clock.now() - cached.at < this.ttlMs ? cached.value : undefined;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && this.clock.now() - cached.at < this.ttlMs) {
      // Re-inserting keeps the Map's order least-recently-used first.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return Promise.resolve(cached.value);
    }
    return this.loads.run(key, async () => {
      const value = await load();
      this.entries.delete(key);
      this.entries.set(key, { value, at: this.clock.now() });
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      return value;
    });
  }
}
