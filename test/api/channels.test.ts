import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveries, notificationChannels, notificationSettings } from '../../src/db/schema.js';
import { assertChannelsOwned } from '../../src/delivery/channels.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { browserSubscription, insertFiring, startReceiver } from '../support/delivery-fakes.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** The app as deployed by default: no SMTP, webhooks to public addresses only. */
describe.each(testDatabaseKinds())('channels API and the address guard on %s', (kind) => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ database: kind });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function signedIn() {
    const client = new TestClient(t.app);
    const user = await client.register();
    return { client, user };
  }
  const channelsOf = (userId: string) =>
    t.database.db.select().from(notificationChannels).where(eq(notificationChannels.userId, userId));

  it.each([
    ['a loopback literal', 'http://127.0.0.1:8080/hook', 'url'],
    ['a name resolving to loopback', 'http://localhost:8080/hook', 'url'],
    ['IPv6 loopback', 'http://[::1]/hook', 'url'],
    ['a private network', 'https://10.1.2.3/hook', 'url'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data', 'url'],
    ['carrier-grade NAT', 'http://100.64.0.1/', 'url'],
    ['unique-local IPv6', 'http://[fd00::1]/', 'url'],
    ['an IPv4-mapped private address', 'http://[::ffff:192.168.0.1]/', 'url'],
    ['the unspecified address', 'http://0.0.0.0/', 'url'],
  ])('refuses a webhook to %s with 400 invalid_webhook_url, writing nothing', async (_label, url, field) => {
    const { client, user } = await signedIn();
    const response = await client.request('POST', '/api/v1/channels', { type: 'webhook', name: 'Hook', url });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_webhook_url');
    expect(Object.keys(response.json().error.fields)).toEqual([field]);
    expect(await channelsOf(user.id)).toEqual([]);
  });

  it('refuses a push endpoint on a private address, and a PATCH to one', async () => {
    const { client, user } = await signedIn();
    const push = await client.request('POST', '/api/v1/channels', {
      type: 'push',
      name: 'Laptop',
      subscription: browserSubscription('http://127.0.0.1:9/push').json,
    });
    expect(push.statusCode).toBe(400);
    expect(push.json().error.fields).toHaveProperty(['subscription.endpoint']);
    expect(await channelsOf(user.id)).toEqual([]);

    const [row] = await t.database.db
      .insert(notificationChannels)
      .values({
        userId: user.id,
        type: 'webhook',
        name: 'Hook',
        url: 'https://203.0.113.7/',
        format: 'standard',
        secret: 'whsec_AAAA',
      })
      .returning();
    const patched = await client.request('PATCH', `/api/v1/channels/${row?.id}`, {
      url: 'http://192.168.1.10/',
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.code).toBe('invalid_webhook_url');
    expect((await channelsOf(user.id))[0]?.url).toBe('https://203.0.113.7/');
  });

  it('checks the address actually connected to: a saved name that now resolves to loopback is refused at send', async () => {
    const { client, user } = await signedIn();
    // As if `localhost` had resolved to a public address when the channel was saved (DNS rebinding).
    const [row] = await t.database.db
      .insert(notificationChannels)
      .values({
        userId: user.id,
        type: 'webhook',
        name: 'Rebound',
        url: `http://localhost:${receiver.port}/hook`,
        format: 'standard',
        secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
      })
      .returning();
    const test = (await client.request('POST', `/api/v1/channels/${row?.id}/test`)).json();
    expect(test).toEqual({ ok: false, error: expect.stringContaining('private address (127.0.0.1)') });

    const { eventId } = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [row?.id ?? ''],
      now: new Date(),
    });
    await vi.waitFor(
      async () => {
        const [delivery] = await t.database.db
          .select()
          .from(deliveries)
          .where(eq(deliveries.eventId, eventId));
        expect(delivery?.lastError).toMatch(/private address/);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(receiver.received).toEqual([]);
  });

  it('offers no email channel without SMTP (409 email_not_configured)', async () => {
    const { client, user } = await signedIn();
    expect((await client.request('GET', '/api/v1/channels')).json()).toEqual({
      items: [],
      emailAvailable: false,
    });
    const response = await client.request('POST', '/api/v1/channels', { type: 'email', name: 'Mail' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('email_not_configured');
    expect(await channelsOf(user.id)).toEqual([]);
  });

  it("lists, renames, deletes the user's own channels; another user's is 404 channel_not_found", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const created = await alice.client.request('POST', '/api/v1/channels', {
      type: 'webhook',
      name: 'Hook',
      url: 'https://203.0.113.7/hooks',
      format: 'discord',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().channel.id;
    expect(created.json().channel).toEqual({
      id,
      type: 'webhook',
      name: 'Hook',
      url: 'https://203.0.113.7/hooks',
      format: 'discord',
      enabled: true,
      failingSince: null,
      createdAt: expect.any(String),
    });

    for (const [method, url, body] of [
      ['PATCH', `/api/v1/channels/${id}`, { name: 'Mine now' }],
      ['DELETE', `/api/v1/channels/${id}`, undefined],
      ['POST', `/api/v1/channels/${id}/test`, undefined],
    ] as const) {
      const response = await bob.client.request(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe('channel_not_found');
    }
    await expect(assertChannelsOwned(t.database.db, bob.user.id, [id])).rejects.toMatchObject({
      code: 'channel_not_found',
    });
    await expect(assertChannelsOwned(t.database.db, alice.user.id, [id, id])).resolves.toBeUndefined();
    expect((await bob.client.request('GET', '/api/v1/channels')).json().items).toEqual([]);

    const renamed = await alice.client.request('PATCH', `/api/v1/channels/${id}`, {
      name: 'Team',
      format: 'slack',
    });
    expect(renamed.json().channel).toMatchObject({ name: 'Team', format: 'slack' });
    expect((await alice.client.request('DELETE', `/api/v1/channels/${id}`)).statusCode).toBe(204);
    expect((await alice.client.request('DELETE', `/api/v1/channels/${id}`)).statusCode).toBe(404);
    expect(await channelsOf(alice.user.id)).toEqual([]);
  });

  it.each([
    ['no type', { name: 'x', url: 'https://203.0.113.7/' }, 'type'],
    ['an unknown type', { type: 'sms', name: 'x' }, 'type'],
    ['no name', { type: 'webhook', url: 'https://203.0.113.7/' }, 'name'],
    ['a blank name', { type: 'webhook', name: '  ', url: 'https://203.0.113.7/' }, 'name'],
    [
      'a control character in the name',
      { type: 'webhook', name: 'a\u0007b', url: 'https://203.0.113.7/' },
      'name',
    ],
    ['no URL', { type: 'webhook', name: 'x' }, 'url'],
    ['not a URL', { type: 'webhook', name: 'x', url: 'hook me' }, 'url'],
    ['an ftp URL', { type: 'webhook', name: 'x', url: 'ftp://203.0.113.7/' }, 'url'],
    ['a javascript URL', { type: 'webhook', name: 'x', url: 'javascript:alert(1)' }, 'url'],
    [
      'an unknown format',
      { type: 'webhook', name: 'x', url: 'https://203.0.113.7/', format: 'teams' },
      'format',
    ],
    [
      'a subscription without keys',
      { type: 'push', name: 'x', subscription: { endpoint: 'https://203.0.113.7/p' } },
      'subscription.keys',
    ],
    [
      'a subscription key that is not base64url',
      {
        type: 'push',
        name: 'x',
        subscription: {
          endpoint: 'https://203.0.113.7/p',
          keys: { p256dh: 'not base64 at all!!', auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
        },
      },
      'subscription.keys.p256dh',
    ],
  ])('refuses a channel with %s: 400 naming the field, nothing written', async (_label, body, field) => {
    const { client, user } = await signedIn();
    const response = await client.request('POST', '/api/v1/channels', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_error');
    expect(Object.keys(response.json().error.fields)).toContain(field);
    expect(await channelsOf(user.id)).toEqual([]);
  });

  it('refuses bad changes and bad ids: 400 naming the field, the channel unchanged', async () => {
    const { client, user } = await signedIn();
    const subscription = browserSubscription('https://203.0.113.7/push/1').json;
    const push = (
      await client.request('POST', '/api/v1/channels', { type: 'push', name: 'Laptop', subscription })
    ).json().channel.id;
    for (const [body, field] of [
      [{ url: 'https://203.0.113.8/' }, 'url'],
      [{ format: 'slack' }, 'format'],
      [{ name: '' }, 'name'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ colour: 'red' }, 'body'],
    ] as const) {
      const response = await client.request('PATCH', `/api/v1/channels/${push}`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('validation_error');
      expect(Object.keys(response.json().error.fields ?? {})).toContain(field);
    }
    for (const [method, url] of [
      ['PATCH', '/api/v1/channels/not-an-id'],
      ['DELETE', '/api/v1/channels/not-an-id'],
      ['POST', '/api/v1/channels/not-an-id/test'],
    ] as const) {
      const response = await client.request(method, url, method === 'PATCH' ? { name: 'x' } : undefined);
      expect(response.statusCode, url).toBe(400);
      expect(Object.keys(response.json().error.fields)).toEqual(['id']);
    }
    const [row] = await channelsOf(user.id);
    expect(row).toMatchObject({ name: 'Laptop', url: null, format: null, enabled: true });
  });

  it('replaces the channel of a browser that subscribes again', async () => {
    const { client, user } = await signedIn();
    const browser = browserSubscription('https://203.0.113.7/push/same');
    await client.request('POST', '/api/v1/channels', {
      type: 'push',
      name: 'Old',
      subscription: browser.json,
    });
    const again = await client.request('POST', '/api/v1/channels', {
      type: 'push',
      name: 'New',
      subscription: browser.json,
    });
    expect(again.statusCode).toBe(201);
    expect((await channelsOf(user.id)).map((row) => row.name)).toEqual(['New']);
  });

  it.each([
    ['an unknown time zone', { quietHours: null, timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no time zone', { quietHours: null }, 'timeZone'],
    [
      'a time out of range',
      { quietHours: { start: '24:00', end: '07:00' }, timeZone: 'UTC' },
      'quietHours.start',
    ],
    [
      'a time without minutes',
      { quietHours: { start: '22:00', end: '7' }, timeZone: 'UTC' },
      'quietHours.end',
    ],
    [
      'the same start and end',
      { quietHours: { start: '22:00', end: '22:00' }, timeZone: 'UTC' },
      'quietHours.end',
    ],
    ['no quiet hours field', { timeZone: 'UTC' }, 'quietHours'],
  ])('refuses settings with %s: 400 naming the field, nothing saved', async (_label, body, field) => {
    const { client, user } = await signedIn();
    expect((await client.request('GET', '/api/v1/notification-settings')).json()).toEqual({
      quietHours: null,
      timeZone: 'UTC',
    });
    const response = await client.request('PUT', '/api/v1/notification-settings', body);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json().error.fields)).toContain(field);
    const saved = await t.database.db
      .select()
      .from(notificationSettings)
      .where(eq(notificationSettings.userId, user.id));
    expect(saved).toEqual([]);
  });

  it('needs a session, and the CSRF token to write', async () => {
    for (const url of ['/api/v1/channels', '/api/v1/notification-settings', '/api/v1/push/key']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    const { client, user } = await signedIn();
    const forged = await client.request(
      'POST',
      '/api/v1/channels',
      { type: 'webhook', name: 'x', url: 'https://203.0.113.7/' },
      { 'x-csrf-token': 'nope' },
    );
    expect(forged.statusCode).toBe(403);
    expect(await channelsOf(user.id)).toEqual([]);
  });
});
