import webpush from 'web-push';
import type { HttpPost } from './http-post.js';
import { linesOf, type Outgoing, titleOf } from './messages.js';

export interface VapidKeys {
  /** base64url, uncompressed P-256 point: the browser's `applicationServerKey`. */
  publicKey: string;
  privateKey: string;
}

export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The push service no longer knows the subscription (404/410): the channel is removed. */
export class PushSubscriptionGoneError extends Error {
  constructor(status: number) {
    super(`HTTP ${status}: the browser's subscription is gone`);
    this.name = 'PushSubscriptionGoneError';
  }
}

export type SendPush = (
  subscription: PushSubscription,
  outgoing: Outgoing,
  signal: AbortSignal,
) => Promise<void>;

/** How long a push service keeps a message for a browser that is offline. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;

/**
 * What the service worker shows: `{title, body, url, tag, eventId}`. A rule's firings share a tag, so
 * a newer one replaces the older on the lock screen.
 */
export function pushPayload(outgoing: Outgoing): {
  title: string;
  body: string;
  url: string;
  tag: string;
  eventId: string | null;
} {
  const lines = linesOf(outgoing);
  switch (outgoing.kind) {
    case 'summary':
      return {
        title: titleOf(outgoing),
        body: lines.join('\n'),
        url: '/alerts',
        tag: 'quiet-hours-summary',
        eventId: outgoing.firings.at(-1)?.id ?? null,
      };
    case 'test':
      return {
        title: titleOf(outgoing),
        body: lines.join('\n'),
        url: '/settings',
        tag: 'test',
        eventId: null,
      };
    case 'firing':
      return {
        title: titleOf(outgoing),
        body: lines.join('\n'),
        url: '/alerts',
        tag: `alert-${outgoing.firing.alertId}`,
        eventId: outgoing.firing.id,
      };
  }
}

/**
 * Web Push (RFC 8030) with a VAPID token (RFC 8292) and the payload encrypted for the browser
 * (aes128gcm, RFC 8291): web-push builds the request, `post` sends it (the same guarded POST as
 * webhooks: a subscription endpoint is a URL a user gave us).
 */
export function createPushSender({
  post,
  keys,
  subject,
}: {
  post: HttpPost;
  keys: VapidKeys;
  subject: string;
}): SendPush {
  return async (subscription, outgoing, signal) => {
    const details = webpush.generateRequestDetails(subscription, JSON.stringify(pushPayload(outgoing)), {
      vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
      TTL: PUSH_TTL_SECONDS,
      urgency: outgoing.kind === 'test' ? 'normal' : 'high',
    });
    const headers = Object.fromEntries(
      Object.entries(details.headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    const { status } = await post({ url: details.endpoint, headers, body: details.body ?? '', signal });
    if (status === 404 || status === 410) throw new PushSubscriptionGoneError(status);
    if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
  };
}

export function generateVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}
