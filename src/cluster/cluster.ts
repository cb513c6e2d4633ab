import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ClusterBus } from './cluster-bus.js';

/** `single`: no cluster (one process does every job). In a cluster, one `leader` and `follower`s. */
export type ClusterRole = 'single' | 'leader' | 'follower';

/** What the rest of the app reads of the cluster. */
export interface ClusterView {
  readonly instanceId: string;
  role(): ClusterRole;
  /** Called synchronously on every change of this instance's role. */
  onRoleChange(listener: (role: ClusterRole) => void): () => void;
  /** The instances seen alive (this one included) and the leader's id, as last read. */
  members(): { count: number; leader: string | null };
  /** The cluster's bus; absent for a single instance. */
  readonly bus?: ClusterBus;
}

/** One process, no cluster: it is its own leader in every job. */
export function singleInstance(instanceId: string): ClusterView {
  return {
    instanceId,
    role: () => 'single',
    onRoleChange: () => () => undefined,
    members: () => ({ count: 1, leader: instanceId }),
  };
}

export interface ClusterOptions {
  bus: ClusterBus;
  instanceId: string;
  clock: Clock;
  logger: Logger;
  /** How long the feed lease lasts unless renewed; renewed every third of it. */
  leaseTtlMs: number;
}

const FEED_LEASE = 'feed';

/**
 * The part of the provider's REST budget an instance may use, so that together the members stay
 * within it: the leader (its poller keeps the symbols off the socket current) half and an equal
 * part of the other half, each follower (people's requests only) an equal part of that half.
 */
export function restBudgetShare(role: ClusterRole, members: number): number {
  const parts = Math.max(1, members);
  if (parts === 1) return role === 'follower' ? 1 / 2 : 1;
  return role === 'leader' ? 1 / 2 + 1 / (2 * parts) : 1 / (2 * parts);
}

/**
 * This instance's membership of the cluster: it announces itself (a key that expires), and takes or
 * keeps the feed lease. The lease is renewed every third of its TTL; a leader that has not renewed
 * within two thirds of it (counted from when its last successful renewal was sent, so before Redis
 * could have started the TTL) steps down before the lease can pass to another: there are never two
 * leaders, so never two upstream sockets. A lost leader's lease expires and a follower takes it at
 * its next round: within TTL + TTL/3.
 */
export class Cluster implements ClusterView {
  readonly bus: ClusterBus;
  readonly instanceId: string;
  private current: ClusterRole = 'follower';
  private readonly listeners = new Set<(role: ClusterRole) => void>();
  private readonly membershipListeners: Array<(role: ClusterRole, members: number) => void> = [];
  private toldMembership = '';
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private renewedAt = 0;
  private fencing = 0;
  private seen = { count: 1, leader: null as string | null };
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: ClusterOptions) {
    this.bus = options.bus;
    this.instanceId = options.instanceId;
  }

  role(): ClusterRole {
    return this.current;
  }

  onRoleChange(listener: (role: ClusterRole) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  members(): { count: number; leader: string | null } {
    return this.seen;
  }

  /** Called after a round that changed this instance's role or the number of members. */
  onMembership(listener: (role: ClusterRole, members: number) => void): void {
    this.membershipListeners.push(listener);
  }

  /** The lease's fencing number while leader (each leadership has a greater one). */
  fencingNumber(): number {
    return this.current === 'leader' ? this.fencing : 0;
  }

  /** Takes part: the first round now, then every third of the lease's TTL. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.round());
    }, this.options.leaseTtlMs / 3);
    this.timer.unref();
    // A renewal that hangs must not keep a leader past its lease: checked apart from the rounds.
    this.watchdog = setInterval(() => this.stepDownIfLate(), 250);
    this.watchdog.unref();
  }

  /** Leaves: steps down, gives the lease up and stops announcing itself. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    await this.running;
    const wasLeader = this.current === 'leader';
    this.setRole('follower');
    await Promise.allSettled([
      wasLeader ? this.bus.releaseLease(FEED_LEASE, this.instanceId) : Promise.resolve(),
      this.bus.setExpiring(`member:${this.instanceId}`, 'leaving', 1),
    ]);
  }

  private async round(): Promise<void> {
    const { bus, clock, leaseTtlMs, logger } = this.options;
    const sentAt = clock.now();
    try {
      if (this.current === 'leader') {
        if (await bus.renewLease(FEED_LEASE, this.instanceId, leaseTtlMs)) this.renewedAt = sentAt;
        else {
          logger.warn('lost the feed lease to another instance');
          this.setRole('follower');
        }
      } else {
        const fencing = await bus.acquireLease(FEED_LEASE, this.instanceId, leaseTtlMs);
        if (fencing !== null) {
          this.renewedAt = sentAt;
          this.fencing = fencing;
          logger.info({ fencing }, 'took the feed lease: this instance is the feed leader');
          this.setRole('leader');
        }
      }
      await bus.setExpiring(`member:${this.instanceId}`, this.current, leaseTtlMs * 2);
      const members = await bus.getAll('member:');
      const leader = await bus.leaseHolder(FEED_LEASE);
      this.seen = { count: [...members.values()].filter((role) => role !== 'leaving').length, leader };
    } catch (error) {
      logger.debug({ reason: (error as Error).message }, 'cluster round failed');
    }
    this.stepDownIfLate();
    const membership = `${this.current}/${this.seen.count}`;
    if (membership !== this.toldMembership) {
      this.toldMembership = membership;
      for (const listener of this.membershipListeners) listener(this.current, this.seen.count);
    }
  }

  /** Not renewed for two thirds of the TTL (Redis down or slow): step down before it can expire. */
  private stepDownIfLate(): void {
    const { clock, leaseTtlMs, logger } = this.options;
    if (this.current === 'leader' && clock.now() - this.renewedAt >= (leaseTtlMs * 2) / 3) {
      logger.warn('could not renew the feed lease in time; stepping down');
      this.setRole('follower');
    }
  }

  private setRole(role: ClusterRole): void {
    if (role === this.current) return;
    this.current = role;
    for (const listener of [...this.listeners]) listener(role);
  }
}
