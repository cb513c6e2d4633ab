import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Resolve } from './address-guard.js';
import { webhookUrlProblem } from './address-guard.js';
import * as repo from './channels.repository.js';
import type {
  ChannelPatch,
  ChannelView,
  CreateChannelInput,
  NotificationSettings,
} from './channels.schemas.js';
import { POST_TIMEOUT_MS } from './http-post.js';
import { testFiring } from './messages.js';
import { type Senders, sendThrough } from './senders.js';
import { newWebhookSecret } from './webhook.js';

export interface ChannelsServiceOptions {
  db: Database;
  senders: Senders;
  clock: Clock;
  /** Looks up a webhook host's addresses when a channel is saved. */
  resolve: Resolve;
  allowPrivate: boolean;
}

/** The user's delivery channels, "send test", and quiet hours. */
export class ChannelsService {
  constructor(private readonly options: ChannelsServiceOptions) {}

  get emailAvailable(): boolean {
    return this.options.senders.email !== undefined;
  }

  async list(userId: string): Promise<ChannelView[]> {
    return (await repo.listChannels(this.options.db, userId)).map(toView);
  }

  /** A new channel; a webhook's secret is in this answer and never again. */
  async create(
    userId: string,
    input: CreateChannelInput,
  ): Promise<{ channel: ChannelView; secret: string | null }> {
    const { db } = this.options;
    switch (input.type) {
      case 'email': {
        if (!this.emailAvailable) throw new AppError('email_not_configured');
        const channel = await repo.insertChannel(db, { userId, type: 'email', name: input.name });
        return { channel: toView(channel), secret: null };
      }
      case 'webhook': {
        await this.checkUrl(input.url, 'url');
        const secret = newWebhookSecret();
        const channel = await repo.insertChannel(db, {
          userId,
          type: 'webhook',
          name: input.name,
          url: input.url,
          format: input.format,
          secret,
        });
        return { channel: toView(channel), secret };
      }
      case 'push': {
        await this.checkUrl(input.subscription.endpoint, 'subscription.endpoint');
        const channel = await repo.insertChannel(db, {
          userId,
          type: 'push',
          name: input.name,
          push: input.subscription,
        });
        return { channel: toView(channel), secret: null };
      }
    }
  }

  async update(userId: string, id: string, patch: ChannelPatch): Promise<ChannelView> {
    const { db } = this.options;
    const channel = await repo.requireChannel(db, userId, id);
    if (channel.type !== 'webhook') {
      const fields: Record<string, string[]> = {};
      if (patch.url !== undefined) fields.url = ['Only webhooks have a URL.'];
      if (patch.format !== undefined) fields.format = ['Only webhooks have a format.'];
      if (Object.keys(fields).length > 0) throw new AppError('validation_error', undefined, fields);
    }
    if (patch.url !== undefined) await this.checkUrl(patch.url, 'url');
    return toView(await repo.updateChannel(db, userId, id, patch));
  }

  async remove(userId: string, id: string): Promise<void> {
    await repo.deleteChannel(this.options.db, userId, id);
  }

  /** Sends a test message now through the channel's own sender; a failure is an answer, not an error. */
  async test(userId: string, id: string): Promise<{ ok: boolean; error: string | null }> {
    const { db, clock, senders } = this.options;
    const channel = await repo.requireChannel(db, userId, id);
    const email = await repo.findUserEmail(db, userId);
    const now = new Date(clock.now());
    try {
      await sendThrough(
        senders,
        channel,
        email,
        { kind: 'test', firing: testFiring(randomUUID(), now) },
        { now, signal: AbortSignal.timeout(POST_TIMEOUT_MS) },
      );
      return { ok: true, error: null };
    } catch (error) {
      return { ok: false, error: (error as Error).message || 'the send failed' };
    }
  }

  async settings(userId: string): Promise<NotificationSettings> {
    return repo.findSettings(this.options.db, userId);
  }

  async saveSettings(userId: string, settings: NotificationSettings): Promise<NotificationSettings> {
    await repo.saveSettings(this.options.db, userId, settings);
    return settings;
  }

  private async checkUrl(url: string, field: string): Promise<void> {
    const problem = await webhookUrlProblem(url, {
      allowPrivate: this.options.allowPrivate,
      resolve: this.options.resolve,
    });
    if (problem) throw new AppError('invalid_webhook_url', undefined, { [field]: [problem] });
  }
}

function toView(channel: repo.ChannelRecord): ChannelView {
  return {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    url: channel.type === 'push' && channel.push ? new URL(channel.push.endpoint).origin : channel.url,
    format: channel.format,
    enabled: channel.enabled,
    failingSince: channel.failingSince?.toISOString() ?? null,
    createdAt: channel.createdAt.toISOString(),
  };
}
