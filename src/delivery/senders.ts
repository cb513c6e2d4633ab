import type { ChannelRecord } from './channels.repository.js';
import type { SendEmail } from './email.js';
import type { HttpPost } from './http-post.js';
import type { Outgoing } from './messages.js';
import type { SendPush } from './push.js';
import { sendWebhook } from './webhook.js';

/** The I/O edges deliveries go out through; the loop and "send test" take them, tests build real ones. */
export interface Senders {
  /** The guarded POST webhooks go through. */
  post: HttpPost;
  /** Absent when the server has no SMTP. */
  email: SendEmail | undefined;
  push: SendPush;
}

/** Sends `outgoing` through one channel; resolves when it went out, rejects with the reason otherwise. */
export async function sendThrough(
  senders: Senders,
  channel: ChannelRecord,
  userEmail: string,
  outgoing: Outgoing,
  { now, signal }: { now: Date; signal: AbortSignal },
): Promise<void> {
  switch (channel.type) {
    case 'webhook': {
      if (!channel.url || !channel.secret) throw new Error('the webhook has no URL or secret');
      if (outgoing.kind === 'summary') throw new Error('webhooks are never held for quiet hours');
      const webhook = { url: channel.url, format: channel.format ?? 'standard', secret: channel.secret };
      return sendWebhook(senders.post, webhook, outgoing, { now, signal });
    }
    case 'email':
      if (!senders.email) throw new Error('this server has no SMTP configured');
      return senders.email(userEmail, outgoing);
    case 'push':
      if (!channel.push) throw new Error('the channel has no push subscription');
      return senders.push(channel.push, outgoing, signal);
  }
}
