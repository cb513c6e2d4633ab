import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { ClusterBus } from './cluster-bus.js';

const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end return false`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const INCREMENT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

type Client = ReturnType<typeof createClient>;

/**
 * The cluster's engine on Redis (node-redis): one connection for commands and one for
 * subscriptions, both reconnecting on their own (node-redis resubscribes after a reconnect).
 * Commands are not queued while disconnected: they fail at once, and callers retry on their next
 * round. Every key and channel is under `prefix`, so several clusters (or tests) share one Redis.
 */
export class RedisBus implements ClusterBus {
  private readonly listeners: Array<(connected: boolean) => void> = [];
  private readonly handlers = new Map<string, (message: string) => void>();
  private wasReady = false;
  /** The one listener of every channel (node-redis keeps a listener once however often it is added). */
  private readonly dispatch = (message: string, channel: string) => this.handlers.get(channel)?.(message);

  private constructor(
    private readonly commands: Client,
    private readonly subscriber: Client,
    private readonly prefix: string,
    logger: Logger,
  ) {
    let lastError = '';
    for (const client of [commands, subscriber]) {
      client.on('error', (error: Error) => {
        // node-redis reports every failed reconnect attempt; say each new reason once.
        if (error.message !== lastError) logger.warn({ reason: error.message }, 'Redis connection error');
        lastError = error.message;
        this.notify();
      });
      client.on('ready', () => {
        lastError = '';
        if (client === subscriber) this.subscribeAll();
        this.notify();
      });
      client.on('end', () => this.notify());
    }
  }

  /**
   * Starts connecting and answers at once: a member starts (and serves its pages) while Redis is
   * away; subscriptions made meanwhile are made on Redis when it answers.
   */
  static connect(url: string, { prefix, logger }: { prefix: string; logger: Logger }): RedisBus {
    const options = {
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
      },
    };
    const commands = createClient(options);
    const subscriber = createClient(options);
    const bus = new RedisBus(commands as Client, subscriber as Client, prefix, logger);
    for (const client of [commands, subscriber]) client.connect().catch(() => undefined);
    return bus;
  }

  publish(channel: string, message: string): void {
    if (!this.commands.isReady) return;
    this.commands.publish(this.prefix + channel, message).catch(() => undefined);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const name = this.prefix + channel;
    this.handlers.set(name, handler);
    if (this.subscriber.isReady) await this.subscriber.subscribe(name, this.dispatch);
  }

  async unsubscribe(channel: string): Promise<void> {
    const name = this.prefix + channel;
    this.handlers.delete(name);
    if (this.subscriber.isReady) await this.subscriber.unsubscribe(name, this.dispatch);
  }

  private subscribeAll(): void {
    const channels = [...this.handlers.keys()];
    if (channels.length > 0) this.subscriber.subscribe(channels, this.dispatch).catch(() => undefined);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<number | null> {
    const fencing = await this.commands.eval(ACQUIRE, {
      keys: [`${this.prefix}lease:${name}`, `${this.prefix}lease:${name}:fencing`],
      arguments: [holder, String(ttlMs)],
    });
    return typeof fencing === 'number' ? fencing : null;
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.commands.eval(RENEW, {
      keys: [`${this.prefix}lease:${name}`],
      arguments: [holder, String(ttlMs)],
    });
    return renewed === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.commands.eval(RELEASE, { keys: [`${this.prefix}lease:${name}`], arguments: [holder] });
  }

  leaseHolder(name: string): Promise<string | null> {
    return this.get(`lease:${name}`);
  }

  async setExpiring(key: string, value: string, ttlMs: number): Promise<void> {
    await this.commands.sendCommand(['SET', this.prefix + key, value, 'PX', String(ttlMs)]);
  }

  async get(key: string): Promise<string | null> {
    return (await this.commands.sendCommand(['GET', this.prefix + key])) as string | null;
  }

  async getAll(prefix: string): Promise<Map<string, string>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = (await this.commands.sendCommand([
        'SCAN',
        cursor,
        'MATCH',
        `${this.prefix}${prefix}*`,
        'COUNT',
        '1000',
      ])) as [string, string[]];
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const values = new Map<string, string>();
    if (keys.length === 0) return values;
    const found = (await this.commands.sendCommand(['MGET', ...keys])) as Array<string | null>;
    keys.forEach((key, i) => {
      const value = found[i];
      if (value !== null && value !== undefined) values.set(key.slice(this.prefix.length), value);
    });
    return values;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return Number(
      await this.commands.eval(INCREMENT, { keys: [this.prefix + key], arguments: [String(ttlMs)] }),
    );
  }

  connected(): boolean {
    return this.commands.isReady && this.subscriber.isReady;
  }

  onConnection(listener: (connected: boolean) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.commands.close(), this.subscriber.close()]);
  }

  private notify(): void {
    const ready = this.connected();
    if (ready === this.wasReady) return;
    this.wasReady = ready;
    for (const listener of this.listeners) listener(ready);
  }
}
