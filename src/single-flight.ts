/**
 * Concurrent calls for one key share one run of their work: the first starts it, the others get the
 * same promise until it settles; the next call after that runs it again.
 */
export class SingleFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  run(key: string, work: () => Promise<V>): Promise<V> {
    const pending = this.running.get(key);
    if (pending) return pending;
    const call = work().finally(() => this.running.delete(key));
    this.running.set(key, call);
    return call;
  }

  /** Whether work for `key` is under way. */
  has(key: string): boolean {
    return this.running.has(key);
  }
}
