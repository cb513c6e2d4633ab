import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookFormat } from './channels.schemas.js';
import type { DeliveredFiring } from './delivered-firing.js';
import type { HttpPost } from './http-post.js';
import { directionOf, type Outgoing, subjectOf } from './messages.js';

const SECRET_PREFIX = 'whsec_';

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's base64 part decoded
 * (Standard Webhooks).
 */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface WebhookChannel {
  url: string;
  format: WebhookFormat;
  secret: string;
}

type WebhookOutgoing = Extract<Outgoing, { kind: 'firing' | 'test' }>;

/**
 * The request a webhook gets: the format's body and content type, and the Standard Webhooks headers.
 * `webhook-id` is the firing's id, the same on every retry, so a receiver can drop a repeat.
 */
export function webhookRequest(
  channel: WebhookChannel,
  outgoing: WebhookOutgoing,
  now: Date,
): { headers: Record<string, string>; body: string } {
  const { firing } = outgoing;
  const { contentType, extraHeaders, body } = formatBody(channel.format, outgoing, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    body,
    headers: {
      'content-type': contentType,
      'user-agent': 'StockTracker-Webhooks/1',
      ...extraHeaders,
      'webhook-id': firing.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(channel.secret, firing.id, timestamp, body),
    },
  };
}

function formatBody(
  format: WebhookFormat,
  outgoing: WebhookOutgoing,
  now: Date,
): { contentType: string; extraHeaders: Record<string, string>; body: string } {
  const { firing } = outgoing;
  const json = 'application/json';
  switch (format) {
    case 'standard':
      return {
        contentType: json,
        extraHeaders: {},
        body: JSON.stringify({
          type: outgoing.kind === 'test' ? 'alert.test' : 'alert.fired',
          timestamp: now.toISOString(),
          data: {
            eventId: firing.id,
            alertId: firing.alertId,
            symbol: firing.symbol,
            kind: firing.kind,
            threshold: firing.threshold,
            price: firing.price,
            time: firing.firedAt.toISOString(),
            message: firing.message,
            simulated: firing.simulated,
          },
        }),
      };
    case 'ntfy':
      // ntfy's plain publish: the message is the body, the rest in headers (ASCII only, so the
      // title carries the symbol, and the message itself stays in the UTF-8 body).
      return {
        contentType: 'text/plain; charset=utf-8',
        extraHeaders: {
          title: asciiHeader(titleFor(outgoing)),
          tags: ntfyTag(firing),
          priority: outgoing.kind === 'test' ? '3' : '4',
        },
        body: firing.message,
      };
    case 'slack':
      return {
        contentType: json,
        extraHeaders: {},
        body: JSON.stringify({
          text: firing.message,
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: titleFor(outgoing) } },
            { type: 'section', text: { type: 'mrkdwn', text: firing.message } },
            {
              type: 'context',
              elements: [
                {
                  type: 'mrkdwn',
                  text: `${subjectOf(firing)} · ${firing.price} · ${firing.firedAt.toISOString()}`,
                },
              ],
            },
          ],
        }),
      };
    case 'discord':
      return {
        contentType: json,
        extraHeaders: {},
        body: JSON.stringify({
          content: firing.message,
          embeds: [
            {
              title: titleFor(outgoing),
              description: firing.message,
              color: directionOf(firing) === 'down' ? 0xd92d20 : 0x12b76a,
              timestamp: firing.firedAt.toISOString(),
              fields: [
                { name: 'Symbol', value: subjectOf(firing), inline: true },
                { name: 'Price', value: String(firing.price), inline: true },
                { name: 'Threshold', value: String(firing.threshold), inline: true },
              ],
            },
          ],
        }),
      };
  }
}

function titleFor(outgoing: WebhookOutgoing): string {
  return outgoing.kind === 'test' ? 'Stock Tracker test' : `${subjectOf(outgoing.firing)} alert`;
}

/** ntfy shows a tag that names an emoji as the emoji. */
function ntfyTag(firing: DeliveredFiring): string {
  const direction = directionOf(firing);
  if (direction === 'up') return 'chart_with_upwards_trend';
  if (direction === 'down') return 'chart_with_downwards_trend';
  return 'bell';
}

/** HTTP header values are ASCII; anything else becomes '?'. */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}

/** Sends one webhook; resolves when the receiver answered 2xx, rejects with the reason otherwise. */
export async function sendWebhook(
  post: HttpPost,
  channel: WebhookChannel,
  outgoing: WebhookOutgoing,
  { now, signal }: { now: Date; signal: AbortSignal },
): Promise<void> {
  const { headers, body } = webhookRequest(channel, outgoing, now);
  const { status } = await post({ url: channel.url, headers, body, signal });
  if (status >= 300 && status < 400) throw new Error(`HTTP ${status}: redirects are not followed`);
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
}
