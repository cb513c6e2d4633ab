import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { deliveries, notificationChannels, notifications } from '../../src/db/schema.js';
import { outcomesOf, redeliver } from '../../src/delivery/deliveries.repository.js';
import { openTestDatabase, testDatabaseKinds } from '../support/database.js';
import {
  browserSubscription,
  decryptPush,
  insertFiring,
  startReceiver,
  startSmtpServer,
  vapidProblem,
} from '../support/delivery-fakes.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A clock the tests set and move; the delivery loop reads it for what is due. */
class TestClock implements Clock {
  current = Date.parse('2026-01-05T15:00:00Z');
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Standard Webhooks verification, written from the spec (not with the app's code). */
function verifySignature(secret: string, headers: Record<string, unknown>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((signature) => signature === `v1,${expected}`);
}

const waitFor = <T>(check: () => T | Promise<T>, timeout = 8000) =>
  vi.waitFor(check, { timeout, interval: 50 });

describe.each(testDatabaseKinds())('alert delivery on %s', (kind) => {
  let t: TestApp;
  let clock: TestClock;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    clock = new TestClock();
    t = await startTestApp({
      database: kind,
      clock,
      env: {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Stock Tracker <alerts@example.com>',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  async function signedIn() {
    const client = new TestClient(t.app);
    const user = await client.register();
    // Registration mails an address confirmation: let it arrive before alert mail is counted.
    await waitFor(() =>
      expect(
        smtp.mails.some((mail) => mail.to.includes(user.email) && mail.raw.includes('Confirm your email')),
      ).toBe(true),
    );
    return { client, user };
  }

  async function addWebhook(client: TestClient, url: string, format = 'standard') {
    const response = await client.request('POST', '/api/v1/channels', {
      type: 'webhook',
      name: 'Hook',
      url,
      format,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { channel: { id: string }; secret: string };
  }

  const rowsOf = (eventId: string) =>
    t.database.db.select().from(deliveries).where(eq(deliveries.eventId, eventId));
  const channelRows = (userId: string) =>
    t.database.db.select().from(notificationChannels).where(eq(notificationChannels.userId, userId));

  it('signs a webhook per Standard Webhooks and retries with the same webhook-id after a 500', async () => {
    const receiver = await startReceiver((_request, index) => (index === 0 ? 500 : 200));
    const { client, user } = await signedIn();
    const { channel, secret } = await addWebhook(client, `${receiver.url}/hook`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(JSON.stringify((await client.request('GET', '/api/v1/channels')).json())).not.toContain(secret);

    const { eventId, alertId } = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await rowsOf(eventId))[0]?.attempts).toBe(1));
    const [afterFirst] = await rowsOf(eventId);
    expect(afterFirst).toMatchObject({ status: 'pending', lastError: 'HTTP 500' });
    expect(afterFirst?.nextAttemptAt.getTime()).toBe(clock.now() + 5 * SECOND);

    clock.advance(5 * SECOND);
    await waitFor(async () => expect((await rowsOf(eventId))[0]?.status).toBe('sent'));
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    for (const request of [first, second]) {
      expect(request?.headers['webhook-id']).toBe(eventId);
      expect(verifySignature(secret, request?.headers ?? {}, request?.body.toString() ?? '')).toBe(true);
      expect(verifySignature(secret.replace(/.$/, 'A'), request?.headers ?? {}, `${request?.body}x`)).toBe(
        false,
      );
    }
    expect(JSON.parse(second?.body.toString() ?? '')).toEqual({
      type: 'alert.fired',
      timestamp: new Date(clock.now()).toISOString(),
      data: {
        eventId,
        alertId,
        symbol: 'AAPL',
        kind: 'price_cross_up',
        threshold: 250,
        price: 251.5,
        time: new Date(clock.now() - 5 * SECOND).toISOString(),
        message: 'AAPL crossed above 250 at 251.5',
        simulated: true,
      },
    });
    expect(second?.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    const outcomes = await outcomesOf(t.database.db, [eventId]);
    expect(outcomes.get(eventId)).toEqual([
      expect.objectContaining({ channelId: channel.id, channelType: 'webhook', status: 'sent', attempts: 2 }),
    ]);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/stocktracker_deliveries_total\{channel="webhook",outcome="retry"\} [1-9]/);
    expect(metrics).toMatch(/stocktracker_deliveries_total\{channel="webhook",outcome="sent"\} [1-9]/);
    await receiver.close();
  });

  it('sends the ntfy, Slack and Discord shapes', async () => {
    const receiver = await startReceiver();
    const { client, user } = await signedIn();
    const ids: Record<string, string> = {};
    for (const format of ['ntfy', 'slack', 'discord']) {
      ids[format] = (await addWebhook(client, `${receiver.url}/${format}`, format)).channel.id;
    }
    await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: Object.values(ids),
      now: new Date(clock.now()),
    });
    await waitFor(() => expect(receiver.received).toHaveLength(3));
    const byPath = (path: string) => receiver.received.find((request) => request.path === path);

    const ntfy = byPath('/ntfy');
    expect(ntfy?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(ntfy?.body.toString()).toBe('AAPL crossed above 250 at 251.5');
    expect(ntfy?.headers).toMatchObject({
      title: 'AAPL alert',
      tags: 'chart_with_upwards_trend',
      priority: '4',
    });

    const slack = JSON.parse(byPath('/slack')?.body.toString() ?? '');
    expect(slack.text).toBe('AAPL crossed above 250 at 251.5');
    expect(slack.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'AAPL alert' } });

    const discord = JSON.parse(byPath('/discord')?.body.toString() ?? '');
    expect(discord.content).toBe('AAPL crossed above 250 at 251.5');
    expect(discord.embeds[0]).toMatchObject({ title: 'AAPL alert', fields: expect.any(Array) });
    await receiver.close();
  });

  it('sends a test through the channel at once; a redirect is not followed but a failure with its reason', async () => {
    const receiver = await startReceiver((request) =>
      request.path === '/moved' ? { status: 302, headers: { location: '/elsewhere' } } : 204,
    );
    const { client } = await signedIn();
    const good = await addWebhook(client, `${receiver.url}/ok`);
    const test = await client.request('POST', `/api/v1/channels/${good.channel.id}/test`);
    expect(test.json()).toEqual({ ok: true, error: null });
    expect(JSON.parse(receiver.received[0]?.body.toString() ?? '')).toMatchObject({
      type: 'alert.test',
      data: { symbol: 'TEST' },
    });

    const moved = await addWebhook(client, `${receiver.url}/moved`);
    const answer = await client.request('POST', `/api/v1/channels/${moved.channel.id}/test`);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ ok: false, error: 'HTTP 302: redirects are not followed' });
    expect(receiver.received.map((request) => request.path)).toEqual(['/ok', '/moved']);

    const closed = await startReceiver();
    await closed.close();
    const unreachable = await addWebhook(client, closed.url);
    const refused = (await client.request('POST', `/api/v1/channels/${unreachable.channel.id}/test`)).json();
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/ECONNREFUSED/);
    await receiver.close();
  });

  it("emails the account's address through a real SMTP server, and a test mail too", async () => {
    const { client, user } = await signedIn();
    expect((await client.request('GET', '/api/v1/channels')).json().emailAvailable).toBe(true);
    const created = await client.request('POST', '/api/v1/channels', { type: 'email', name: 'Mail' });
    expect(created.statusCode).toBe(201);
    expect(created.json().secret).toBeNull();
    const channelId = created.json().channel.id;
    const before = smtp.mails.length;
    const { eventId } = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channelId],
      now: new Date(clock.now()),
      symbol: 'MSFT',
    });
    await waitFor(async () => expect((await rowsOf(eventId))[0]?.status).toBe('sent'));
    const mail = smtp.mails.at(-1);
    expect(smtp.mails.length).toBe(before + 1);
    expect(mail?.to).toEqual([user.email]);
    expect(mail?.from).toBe('alerts@example.com');
    expect(mail?.raw).toContain('Subject: MSFT crossed above 250 at 251.5');
    expect(mail?.raw).toContain('text/plain');
    expect(mail?.raw).toContain('text/html');

    expect((await client.request('POST', `/api/v1/channels/${channelId}/test`)).json()).toEqual({
      ok: true,
      error: null,
    });
    expect(smtp.mails.at(-1)?.raw).toContain('Subject: Test from Stock Tracker');
  });

  it('pushes with a VAPID token and an encrypted payload the browser can read; a 410 removes the channel', async () => {
    const problems: string[] = [];
    const pushService = await startReceiver((request) => {
      const problem = vapidProblem(String(request.headers.authorization), pushService.url);
      if (problem) problems.push(problem);
      return request.path === '/gone' ? 410 : 201;
    });
    const { client, user } = await signedIn();
    const key = (await client.request('GET', '/api/v1/push/key')).json().publicKey;
    expect(key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const browser = browserSubscription(`${pushService.url}/push/abc`);
    const created = await client.request('POST', '/api/v1/channels', {
      type: 'push',
      name: 'Laptop',
      subscription: browser.json,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().channel.url).toBe(pushService.url);
    const { eventId, alertId } = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [created.json().channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await rowsOf(eventId))[0]?.status).toBe('sent'));
    const [request] = pushService.received;
    expect(problems).toEqual([]);
    expect(request?.headers.authorization).toContain(`k=${key}`);
    expect(request?.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(request?.headers.ttl)).toBeGreaterThan(0);
    expect(JSON.parse(decryptPush(request?.body ?? Buffer.alloc(0), browser))).toEqual({
      title: 'AAPL alert',
      body: 'AAPL crossed above 250 at 251.5',
      url: '/alerts',
      tag: `alert-${alertId}`,
      eventId,
    });

    const gone = browserSubscription(`${pushService.url}/gone`);
    const goneChannel = (
      await client.request('POST', '/api/v1/channels', {
        type: 'push',
        name: 'Old phone',
        subscription: gone.json,
      })
    ).json().channel;
    await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [goneChannel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () =>
      expect((await channelRows(user.id)).map((row) => row.name)).toEqual(['Laptop']),
    );
    await pushService.close();
  });

  it('keeps the same VAPID key across a restart on the same database', async () => {
    const { client } = await signedIn();
    const key = (await client.request('GET', '/api/v1/push/key')).json().publicKey;
    const again = await startTestApp({ database: t.database, clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const other = new TestClient(again.app);
    await other.register();
    expect((await other.request('GET', '/api/v1/push/key')).json().publicKey).toBe(key);
    await again.app.close();
  });

  it('retries on the schedule (now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h), then fails; redeliver tries again', async () => {
    const receiver = await startReceiver(() => 503);
    const { client, user } = await signedIn();
    const { channel } = await addWebhook(client, receiver.url);
    const { eventId } = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    const delays = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];
    for (const [index, delay] of delays.entries()) {
      await waitFor(async () => expect((await rowsOf(eventId))[0]?.attempts).toBe(index + 1));
      const [row] = await rowsOf(eventId);
      expect(row?.status).toBe('pending');
      expect(row?.nextAttemptAt.getTime()).toBe(clock.now() + delay);
      clock.advance(delay - SECOND);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(receiver.received).toHaveLength(index + 1);
      clock.advance(SECOND);
    }
    await waitFor(async () => expect((await rowsOf(eventId))[0]?.status).toBe('failed'));
    expect(receiver.received).toHaveLength(7);
    expect((await rowsOf(eventId))[0]).toMatchObject({ attempts: 7, lastError: 'HTTP 503' });
    expect(new Set(receiver.received.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([eventId]),
    );

    await redeliver(t.database.db, { userId: user.id, eventId, now: new Date(clock.now()) });
    await waitFor(() => expect(receiver.received).toHaveLength(8));
    await waitFor(async () =>
      expect((await rowsOf(eventId))[0]).toMatchObject({ status: 'failed', attempts: 8 }),
    );
    const stranger = await signedIn();
    await expect(
      redeliver(t.database.db, { userId: stranger.user.id, eventId, now: new Date(clock.now()) }),
    ).rejects.toMatchObject({ code: 'alert_event_not_found' });
    await receiver.close();
    const fine = await startReceiver();
    const sent = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [(await addWebhook(client, fine.url)).channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await rowsOf(sent.eventId))[0]?.status).toBe('sent'));
    await expect(
      redeliver(t.database.db, { userId: user.id, eventId: sent.eventId, now: new Date(clock.now()) }),
    ).rejects.toMatchObject({ code: 'nothing_to_redeliver' });
    await fine.close();
  }, 60_000);

  it('holds push and email during quiet hours and sends one summary per channel when they end; webhooks go at once', async () => {
    const pushService = await startReceiver(() => 201);
    const hook = await startReceiver();
    const { client, user } = await signedIn();
    const saved = await client.request('PUT', '/api/v1/notification-settings', {
      quietHours: { start: '22:00', end: '07:00' },
      timeZone: 'Europe/Berlin',
    });
    expect(saved.statusCode).toBe(200);
    expect((await client.request('GET', '/api/v1/notification-settings')).json()).toEqual({
      quietHours: { start: '22:00', end: '07:00' },
      timeZone: 'Europe/Berlin',
    });
    const browser = browserSubscription(`${pushService.url}/quiet`);
    const push = (
      await client.request('POST', '/api/v1/channels', {
        type: 'push',
        name: 'Phone',
        subscription: browser.json,
      })
    ).json().channel.id;
    const email = (await client.request('POST', '/api/v1/channels', { type: 'email', name: 'Mail' })).json()
      .channel.id;
    const webhook = (await addWebhook(client, hook.url)).channel.id;

    // 23:30 in Berlin (UTC+1 in January): quiet until 07:00 Berlin, 06:00 UTC.
    clock.current = Date.parse('2026-01-06T22:30:00Z');
    const mailsBefore = smtp.mails.length;
    const firings: Array<{ eventId: string }> = [];
    for (const symbol of ['AAPL', 'MSFT']) {
      firings.push(
        await insertFiring(t.database.db, {
          userId: user.id,
          channelIds: [push, email, webhook],
          now: new Date(clock.now()),
          symbol,
        }),
      );
      clock.advance(MINUTE);
    }
    await waitFor(() => expect(hook.received).toHaveLength(2));
    await waitFor(async () => {
      const rows = (await Promise.all(firings.map(({ eventId }) => rowsOf(eventId)))).flat();
      const held = rows.filter((row) => row.heldForQuietHours);
      expect(held).toHaveLength(4);
      for (const row of held) expect(row.nextAttemptAt.toISOString()).toBe('2026-01-07T06:00:00.000Z');
    });
    clock.current = Date.parse('2026-01-07T05:59:00Z');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(pushService.received).toHaveLength(0);
    expect(smtp.mails.length).toBe(mailsBefore);

    clock.current = Date.parse('2026-01-07T06:00:00Z');
    await waitFor(() => expect(pushService.received).toHaveLength(1));
    await waitFor(() => expect(smtp.mails.length).toBe(mailsBefore + 1));
    const summary = JSON.parse(decryptPush(pushService.received[0]?.body ?? Buffer.alloc(0), browser));
    expect(summary).toMatchObject({ title: '2 alerts during quiet hours', tag: 'quiet-hours-summary' });
    expect(summary.body).toBe(
      '22:30 UTC AAPL crossed above 250 at 251.5\n22:31 UTC MSFT crossed above 250 at 251.5',
    );
    const mail = smtp.mails.at(-1)?.raw ?? '';
    expect(mail).toContain('Subject: 2 alerts during quiet hours');
    expect(mail).toContain('MSFT crossed above 250');
    await waitFor(async () => {
      const rows = (await Promise.all(firings.map(({ eventId }) => rowsOf(eventId)))).flat();
      expect(rows.map((row) => row.status)).toEqual(Array(6).fill('sent'));
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(pushService.received).toHaveLength(1);
    await pushService.close();
    await hook.close();
  });

  it('turns off a channel that failed for five days, and tells the user', async () => {
    const receiver = await startReceiver(() => 500);
    const { client, user } = await signedIn();
    const { channel } = await addWebhook(client, receiver.url);
    const first = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await rowsOf(first.eventId))[0]?.attempts).toBe(1));
    const failingSince = (await channelRows(user.id))[0]?.failingSince;
    expect(failingSince?.getTime()).toBe(clock.now());

    clock.advance(4 * 24 * HOUR);
    const second = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await rowsOf(second.eventId))[0]?.attempts).toBe(1));
    expect((await channelRows(user.id))[0]?.enabled).toBe(true);

    clock.advance(24 * HOUR);
    const third = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    await waitFor(async () => expect((await channelRows(user.id))[0]?.enabled).toBe(false));
    const told = await t.database.db.select().from(notifications).where(eq(notifications.userId, user.id));
    expect(told).toEqual([
      expect.objectContaining({
        kind: 'channel_disabled',
        message: expect.stringContaining('“Hook” failed for five days'),
      }),
    ]);
    expect((await client.request('GET', '/api/v1/channels')).json().items[0]).toMatchObject({
      enabled: false,
    });
    // A turned-off channel gets no new rows, and its waiting ones fail without a send.
    const fourth = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [channel.id],
      now: new Date(clock.now()),
    });
    expect(await rowsOf(fourth.eventId)).toEqual([]);
    // Sends claimed together with the one that turned it off may still land: let them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sends = receiver.received.length;
    clock.advance(HOUR);
    await waitFor(async () => {
      const rows = (await Promise.all([first, second, third].map(({ eventId }) => rowsOf(eventId)))).flat();
      expect(rows.map((row) => row.status)).toEqual(['failed', 'failed', 'failed']);
      expect(rows.map((row) => row.lastError)).toContain('the channel is turned off');
    });
    expect(receiver.received.length).toBe(sends);

    const back = await client.request('PATCH', `/api/v1/channels/${channel.id}`, { enabled: true });
    expect(back.json().channel).toMatchObject({ enabled: true, failingSince: null });
    await receiver.close();
  });

  it('delivers exactly once after a process stopped mid-send, when a new one starts on the same database', async () => {
    let holding = true;
    const receiver = await startReceiver(() => (holding ? 'hold' : 200));
    const database = await openTestDatabase(kind);
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true' };
    const first = await startTestApp({ database, clock, env });
    const client = new TestClient(first.app);
    const user = await client.register();
    const hooks = [];
    for (const path of ['/a', '/b']) {
      const created = await client.request('POST', '/api/v1/channels', {
        type: 'webhook',
        name: path,
        url: receiver.url + path,
      });
      hooks.push(created.json().channel.id as string);
    }
    const { eventId } = await insertFiring(database.db, {
      userId: user.id,
      channelIds: hooks,
      now: new Date(clock.now()),
    });
    await waitFor(() => expect(receiver.received).toHaveLength(2));
    await first.app.close();
    const rows = () => database.db.select().from(deliveries).where(eq(deliveries.eventId, eventId));
    expect((await rows()).map((row) => row.status)).toEqual(['pending', 'pending']);

    holding = false;
    const second = await startTestApp({ database, clock, env });
    clock.advance(2 * MINUTE);
    await waitFor(async () => expect((await rows()).map((row) => row.status)).toEqual(['sent', 'sent']));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const answered = receiver.received.filter((request) => request.status === 200);
    expect(answered.map((request) => request.path).sort()).toEqual(['/a', '/b']);
    expect(new Set(receiver.received.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([eventId]),
    );
    await second.close();
    await receiver.close();
  });
});
