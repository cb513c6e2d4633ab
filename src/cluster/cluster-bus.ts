/**
 * What the cluster needs of its one distributed engine: publish/subscribe on named channels, keys
 * that expire, and a lease with a fencing number. Redis implements it (`redis-bus.ts`); NATS or
 * Kafka could, behind the same interface. Every call may fail while the engine is unreachable:
 * callers treat a failure as "not now" and try again on their next round.
 */
export interface ClusterBus {
  /** Fire and forget: a message published while the engine is down is lost (ticks are replaced by the next). */
  publish(channel: string, message: string): void;
  /** Subscribes one handler per channel (a second subscribe replaces it). */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /**
   * Takes the lease `name` for `holder` for `ttlMs` if nobody holds it; answers its fencing number
   * (one more than any before it), or null when another holder has it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<number | null>;
  /** Extends the lease if `holder` still holds it; false when it does not (it expired, another took it). */
  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it (compare and delete). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** The lease's holder now, if any. */
  leaseHolder(name: string): Promise<string | null>;
  /** A value that disappears after `ttlMs` unless set again. */
  setExpiring(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Every key under `prefix` with its value. */
  getAll(prefix: string): Promise<Map<string, string>>;
  /** Adds one to the counter `key` (created expiring after `ttlMs`); answers the new count. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Whether the engine answers now. */
  connected(): boolean;
  /** Called with true when the connection comes back, false when it is lost. */
  onConnection(listener: (connected: boolean) => void): void;
  close(): Promise<void>;
}
