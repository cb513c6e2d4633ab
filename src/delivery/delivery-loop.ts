import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { AppMetrics } from '../metrics.js';
import {
  type ClaimedDelivery,
  claimDue,
  holdForQuietHours,
  markAttemptFailed,
  markFailedUnsent,
  markSent,
  removeChannel,
} from './deliveries.repository.js';
import type { Outgoing } from './messages.js';
import { PushSubscriptionGoneError } from './push.js';
import { quietUntil } from './quiet-hours.js';
import { type Senders, sendThrough } from './senders.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How long after each failed attempt the next one comes: the first attempt at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h and 10 h later; a seventh failure is final (`failed`, redeliverable by the user).
 */
export const RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR] as const;
/** A channel whose every delivery failed for this long is turned off, and the user told. */
export const DISABLE_AFTER_MS = 5 * 24 * HOUR;
/**
 * A claimed row is leased for this long: longer than any send may take (10 s HTTP, the SMTP
 * timeouts), so only a process that died mid-send leaves a row to be claimed again.
 */
export const LEASE_MS = 2 * MINUTE;
const CLAIM_LIMIT = 100;
/** Sends at once at most; beyond that, due rows wait in the outbox for the next round. */
const MAX_IN_FLIGHT = 200;

export interface DeliveryLoopOptions {
  db: Database;
  senders: Senders;
  clock: Clock;
  logger: Logger;
  metrics: AppMetrics;
  /** How often the outbox is looked at when nothing wakes the loop. */
  pollMs: number;
}

/**
 * Works the outbox: claims due rows, and sends each channel's independently, without waiting for the
 * others (a webhook that takes its 10 s holds nothing else up). Push and email due during the user's
 * quiet hours are held until they end, then go out as one summary per channel; webhooks are never held.
 */
export class DeliveryLoop {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeliveryLoopOptions) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks at the outbox now (a firing was stored); a round already running runs once more after. */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.rounds().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * Stops claiming and abandons the sends in flight without recording them (as a crash would): their
   * rows stay leased, and are sent when the lease ends, by this app started again or another instance.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
    await Promise.allSettled(this.inFlight);
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.round();
      } catch (error) {
        this.options.logger.warn({ reason: (error as Error).message }, 'delivery round failed');
      }
    } while (this.again && !this.stopping.signal.aborted);
  }

  private async round(): Promise<void> {
    const room = MAX_IN_FLIGHT - this.inFlight.size;
    if (room <= 0) return;
    const now = this.options.clock.now();
    const claimed = await claimDue(this.options.db, {
      now: new Date(now),
      leaseUntil: new Date(now + LEASE_MS),
      limit: Math.min(room, CLAIM_LIMIT),
    });
    for (const batch of batchesOf(claimed)) {
      const work = this.deliver(batch).catch((error: Error) => {
        this.options.logger.error({ reason: error.message }, 'recording a delivery failed');
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
  }

  /** One send through one channel: a row, or the rows quiet hours held for it. */
  private async deliver(batch: ClaimedDelivery[]): Promise<void> {
    const { db, clock, senders, metrics } = this.options;
    const [first] = batch;
    if (!first) return;
    const { channel } = first;
    const ids = batch.map((row) => row.id);
    const count = (outcome: string) =>
      metrics.deliveries.inc({ channel: channel.type, outcome }, batch.length);

    if (!channel.enabled) {
      await markFailedUnsent(db, ids, 'the channel is turned off');
      count('failed');
      return;
    }
    const holdable = channel.type === 'push' || channel.type === 'email';
    const quietEnd = holdable && first.quietHours ? quietUntil(first.quietHours, clock.now()) : undefined;
    if (quietEnd !== undefined) {
      await holdForQuietHours(db, ids, new Date(quietEnd));
      count('held');
      return;
    }

    const signal = this.stopping.signal;
    try {
      await sendThrough(senders, channel, first.userEmail, outgoingOf(batch), {
        now: new Date(clock.now()),
        signal,
      });
    } catch (error) {
      if (signal.aborted) return;
      await this.failed(batch, error as Error);
      return;
    }
    if (signal.aborted) return;
    await markSent(db, ids, channel.id, new Date(clock.now()));
    count('sent');
  }

  private async failed(batch: ClaimedDelivery[], error: Error): Promise<void> {
    const { db, clock, metrics, logger } = this.options;
    const [first] = batch;
    if (!first) return;
    const { channel } = first;
    if (error instanceof PushSubscriptionGoneError) {
      await removeChannel(db, channel.id);
      metrics.deliveries.inc({ channel: channel.type, outcome: 'removed' }, batch.length);
      logger.info({ channelId: channel.id }, 'push subscription gone: channel removed');
      return;
    }
    const now = clock.now();
    const attempts = Math.max(...batch.map((row) => row.attempts)) + 1;
    const delay = RETRY_DELAYS_MS[attempts - 1];
    const disabled = await markAttemptFailed(db, {
      ids: batch.map((row) => row.id),
      channelId: channel.id,
      now: new Date(now),
      error: error.message,
      retryAt: delay === undefined ? null : new Date(now + delay),
      disableAfterMs: DISABLE_AFTER_MS,
    });
    metrics.deliveries.inc(
      { channel: channel.type, outcome: delay === undefined ? 'failed' : 'retry' },
      batch.length,
    );
    if (disabled) logger.info({ channelId: channel.id }, 'channel failing for five days: turned off');
  }
}

/**
 * Each row alone, except the rows quiet hours held for one channel: those go together, as one summary.
 */
function batchesOf(claimed: ClaimedDelivery[]): ClaimedDelivery[][] {
  const held = new Map<string, ClaimedDelivery[]>();
  const batches: ClaimedDelivery[][] = [];
  for (const row of claimed) {
    if (!row.heldForQuietHours) {
      batches.push([row]);
      continue;
    }
    const rows = held.get(row.channel.id) ?? [];
    if (rows.length === 0) {
      held.set(row.channel.id, rows);
      batches.push(rows);
    }
    rows.push(row);
  }
  return batches;
}

function outgoingOf(batch: ClaimedDelivery[]): Outgoing {
  const [first] = batch;
  if (batch.length === 1 && first) return { kind: 'firing', firing: first.firing };
  const firings = batch.map((row) => row.firing).sort((a, b) => a.firedAt.getTime() - b.firedAt.getTime());
  return { kind: 'summary', firings };
}
