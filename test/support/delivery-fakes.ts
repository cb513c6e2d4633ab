import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Database } from '../../src/db/database.js';
import { alertEvents, alertRules } from '../../src/db/schema.js';
import { insertDeliveries } from '../../src/delivery/deliveries.repository.js';

/** A request a loopback receiver got. */
export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The status it answered (undefined while it holds the request). */
  status?: number;
}

/**
 * A loopback HTTP server that records every request and answers what `answer` says: a status (with
 * optional headers), or 'hold' to keep the request open without answering.
 */
export async function startReceiver(
  answer: (
    request: Received,
    index: number,
  ) => number | 'hold' | { status: number; headers: Record<string, string> } = () => 200,
) {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      received.push(entry);
      const decided = answer(entry, received.length - 1);
      if (decided === 'hold') {
        held.push(response);
        return;
      }
      const { status, headers } = typeof decided === 'number' ? { status: decided, headers: {} } : decided;
      entry.status = status;
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback (no TLS, no auth) that keeps every message. */
export async function startSmtpServer() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((to) => to.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    mails,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

/** A browser's side of a push subscription: its ECDH key pair and auth secret. */
export function browserSubscription(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    json: { endpoint, keys: { p256dh: base64url(ecdh.getPublicKey()), auth: base64url(auth) } },
  };
}

/**
 * What a push service checks of a VAPID request (RFC 8292): the JWT in `Authorization: vapid t=..,
 * k=..` is ES256-signed by the key `k`, for this origin (`aud`), not expired, with a contact (`sub`).
 * Returns the problem, or undefined when it holds.
 */
export function vapidProblem(
  authorization: string | undefined,
  origin: string,
  now = Date.now(),
): string | undefined {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) return `no vapid authorization: ${authorization}`;
  const [, token = '', key = ''] = match;
  const [header = '', payload = '', signature = ''] = token.split('.');
  const point = Buffer.from(key, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'the JWT signature does not verify with k';
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') return 'alg is not ES256';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  if (!(claims.exp * 1000 > now)) return 'expired';
  if (!claims.sub) return 'no sub';
  return undefined;
}

/** Decrypts an aes128gcm push message (RFC 8188 with RFC 8291's keys) as the browser would. */
export function decryptPush(body: Buffer, browser: ReturnType<typeof browserSubscription>): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20] ?? 0;
  const serverPublicKey = body.subarray(21, 21 + keyIdLength);
  const ciphertext = body.subarray(21 + keyIdLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const shared = browser.ecdh.computeSecret(serverPublicKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    browser.ecdh.getPublicKey(),
    serverPublicKey,
  ]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, browser.auth, keyInfo, 32));
  const key = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(ciphertext.subarray(-16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

let occurrence = 0;

/**
 * A firing as the alerts module writes it (a rule, its event, the outbox rows), written directly:
 * the delivery loop picks the rows up from the database.
 */
export async function insertFiring(
  db: Database,
  {
    userId,
    channelIds,
    now,
    symbol = 'AAPL',
    price = 251.5,
  }: { userId: string; channelIds: string[]; now: Date; symbol?: string; price?: number },
) {
  return db.transaction(async (tx) => {
    const rule = {
      symbol,
      kind: 'price_cross_up',
      threshold: 250,
      frequency: 'rearm',
      hysteresisPercent: 0.5,
      cooldownMinutes: 0,
    };
    const [ruleRow] = await tx
      .insert(alertRules)
      .values({ userId, ...rule, status: 'active' })
      .returning({ id: alertRules.id });
    if (!ruleRow) throw new Error('no rule');
    occurrence++;
    const [event] = await tx
      .insert(alertEvents)
      .values({
        ruleId: ruleRow.id,
        userId,
        occurrence,
        symbol,
        kind: 'price_cross_up',
        threshold: 250,
        price,
        firedAt: now,
        message: `${symbol} crossed above 250 at ${price}`,
        simulated: true,
        rule,
      })
      .returning({ id: alertEvents.id });
    if (!event) throw new Error('no event');
    await insertDeliveries(tx, [{ eventId: event.id, userId, channelIds }], now);
    return { eventId: event.id, alertId: ruleRow.id };
  });
}
