import { lookup } from 'node:dns/promises';
import type { ModuleHost } from '../module-host.js';
import { serverKey } from './channels.repository.js';
import { channelsRoutes } from './channels.routes.js';
import { ChannelsService } from './channels.service.js';
import { countByChannelType, redeliver } from './deliveries.repository.js';
import { DeliveryLoop } from './delivery-loop.js';
import { createMailer } from './email.js';
import { createHttpPost } from './http-post.js';
import { createPushSender, generateVapidKeys, type VapidKeys } from './push.js';
import type { Senders } from './senders.js';

/** What the alerts module uses of delivery. */
export interface DeliveryModule {
  /**
   * Sends a firing again to the channels that failed it, now (attempts kept). 404
   * `alert_event_not_found` for another user's firing, 409 `nothing_to_redeliver` when none failed.
   */
  redeliver(userId: string, eventId: string): Promise<void>;
  /** Per channel type: deliveries pending, and failed for good in the last 24 hours (the admin console). */
  backlog(): Promise<Array<{ channelType: string; pending: number; failed: number }>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** How often the outbox is looked at when no firing wakes the loop. */
const POLL_MS = 1000;

/**
 * Alert delivery: the channels API (/channels, /notification-settings, /push/key), the senders
 * (webhook, email, Web Push) and the delivery loop working the outbox, woken by `alert.fired`.
 */
export async function deliveryModule(host: ModuleHost): Promise<DeliveryModule> {
  const { config, database, clock, logger, metrics, domainEvents } = host.context;
  const { db } = database;
  const settings = config.delivery;

  const vapidKeys: VapidKeys =
    settings.vapidKeys ?? JSON.parse(await serverKey(db, 'vapid', () => JSON.stringify(generateVapidKeys())));
  const mailer = settings.email ? createMailer(settings.email) : undefined;
  const post = createHttpPost({ allowPrivate: settings.webhookAllowPrivate });
  const senders: Senders = {
    post,
    email: mailer?.send,
    push: createPushSender({ post, keys: vapidKeys, subject: settings.vapidSubject }),
  };

  const channels = new ChannelsService({
    db,
    senders,
    clock,
    allowPrivate: settings.webhookAllowPrivate,
    resolve: async (hostname) => (await lookup(hostname, { all: true })).map((entry) => entry.address),
  });
  host.authenticatedRoutes((api) => channelsRoutes(api, { channels, vapidPublicKey: vapidKeys.publicKey }));

  const loop = new DeliveryLoop({ db, senders, clock, logger, metrics, pollMs: POLL_MS });
  host.onClose(domainEvents.on('alert.fired', () => loop.wake()));
  loop.start();
  host.onClose(async () => {
    await loop.stop();
    mailer?.close();
  });

  return {
    async redeliver(userId, eventId) {
      await redeliver(db, { userId, eventId, now: new Date(clock.now()) });
      loop.wake();
    },
    backlog: () => countByChannelType(db, new Date(clock.now() - DAY_MS)),
  };
}
