import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityLog } from '../../src/auth/security-log.js';
import {
  alertEvents,
  alertRules,
  deliveries,
  invites,
  notificationChannels,
  securityEvents,
  sessions,
  users,
  watchlistItems,
} from '../../src/db/schema.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const UNKNOWN_ID = '0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10';

/** Every admin route, with a body that would be valid. */
const ADMIN_CALLS: Array<[method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, body?: object]> = [
  ['GET', '/api/v1/admin/users'],
  ['PATCH', `/api/v1/admin/users/${UNKNOWN_ID}`, { disabled: true }],
  ['DELETE', `/api/v1/admin/users/${UNKNOWN_ID}`],
  ['GET', '/api/v1/admin/invites'],
  ['POST', '/api/v1/admin/invites', { expiresInDays: 3 }],
  ['DELETE', `/api/v1/admin/invites/${UNKNOWN_ID}`],
  ['GET', '/api/v1/admin/health'],
  ['GET', '/api/v1/admin/audit'],
];

describe.each(testDatabaseKinds())('the admin API on %s', (kind) => {
  let t: TestApp;
  let admin: TestClient;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp({ database: kind });
    admin = new TestClient(t.app);
    adminId = (await admin.register({ username: 'chief', email: 'chief@example.com' })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const rows = async (table: typeof users | typeof invites | typeof securityEvents) =>
    (await t.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;

  async function member(name?: string) {
    const client = new TestClient(t.app);
    const user = await client.register(name ? { username: name, email: `${name}@example.com` } : {});
    return { client, ...user };
  }

  it('answers 401 without a session and 403 forbidden to a signed-in user who is not an admin, changing nothing', async () => {
    const { client } = await member();
    const before = [await rows(users), await rows(invites), await rows(securityEvents)];
    for (const [method, url, body] of ADMIN_CALLS) {
      const anonymous = await t.app.inject({ method, url, ...(body ? { payload: body } : {}) });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
      const forbidden = await client.request(method, url, body);
      expect(forbidden.statusCode, `${method} ${url}`).toBe(403);
      expect(forbidden.json().error.code, `${method} ${url}`).toBe('forbidden');
    }
    expect([await rows(users), await rows(invites), await rows(securityEvents)]).toEqual(before);
  });

  it('lists and searches accounts with their role, state, second factor, creation and last use', async () => {
    const { id } = await member('searchable_sam');
    const all = await admin.request('GET', '/api/v1/admin/users');
    expect(all.statusCode).toBe(200);
    expect(all.json().items[0]).toMatchObject({
      id: adminId,
      username: 'chief',
      role: 'admin',
      disabled: false,
    });
    const found = (await admin.request('GET', '/api/v1/admin/users?query=SEARCHABLE')).json().items;
    expect(found).toEqual([
      {
        id,
        username: 'searchable_sam',
        email: 'searchable_sam@example.com',
        role: 'user',
        disabled: false,
        twoFactorEnabled: false,
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
      },
    ]);
    // LIKE's own characters are searched for as themselves.
    expect((await admin.request('GET', '/api/v1/admin/users?query=%25')).json().items).toEqual([]);
    const tooLong = await admin.request('GET', `/api/v1/admin/users?query=${'x'.repeat(300)}`);
    expect(tooLong.statusCode).toBe(400);
  });

  it('disables an account (its sessions end) and enables it again, each written to the audit log', async () => {
    const target = await member();
    const disabled = await admin.request('PATCH', `/api/v1/admin/users/${target.id}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().user).toMatchObject({ id: target.id, disabled: true, role: 'user' });
    expect((await target.client.request('GET', '/api/v1/watchlist')).statusCode).toBe(401);
    const left = await t.database.db
      .select({ n: count() })
      .from(sessions)
      .where(eq(sessions.userId, target.id));
    expect(left[0]?.n).toBe(0);

    const enabled = await admin.request('PATCH', `/api/v1/admin/users/${target.id}`, { disabled: false });
    expect(enabled.json().user.disabled).toBe(false);
    const audit = (await admin.request('GET', `/api/v1/admin/audit?user=${target.username}`)).json().items;
    expect(audit.map((entry: { kind: string }) => entry.kind)).toEqual([
      'admin_user_enabled',
      'admin_user_disabled',
    ]);
    expect(audit[1]).toMatchObject({
      user: { id: target.id, username: target.username },
      actor: { id: adminId, username: 'chief' },
      targetId: target.id,
      address: '127.0.0.1',
    });
  });

  it('promotes and demotes, and keeps at least one active admin (409 last_admin, nothing changed)', async () => {
    const soleAdminDemotes = await admin.request('PATCH', `/api/v1/admin/users/${adminId}`, { role: 'user' });
    expect(soleAdminDemotes.statusCode).toBe(409);
    expect(soleAdminDemotes.json().error.code).toBe('last_admin');
    const soleAdminDisables = await admin.request('PATCH', `/api/v1/admin/users/${adminId}`, {
      disabled: true,
    });
    expect(soleAdminDisables.json().error.code).toBe('last_admin');
    expect((await admin.request('DELETE', `/api/v1/admin/users/${adminId}`)).json().error.code).toBe(
      'last_admin',
    );
    expect((await admin.request('GET', '/api/v1/auth/session')).json().user.role).toBe('admin');

    const deputy = await member();
    const promoted = await admin.request('PATCH', `/api/v1/admin/users/${deputy.id}`, { role: 'admin' });
    expect(promoted.json().user.role).toBe('admin');
    // The deputy's own session is an admin's at its next request.
    expect((await deputy.client.request('GET', '/api/v1/admin/users')).statusCode).toBe(200);

    // Two admins demoting each other at once: one wins, the other is told 409.
    const [a, b] = await Promise.all([
      admin.request('PATCH', `/api/v1/admin/users/${deputy.id}`, { role: 'user' }),
      deputy.client.request('PATCH', `/api/v1/admin/users/${adminId}`, { role: 'user' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const admins = await t.database.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), sql`${users.disabledAt} is null`));
    expect(admins[0]?.n).toBe(1);
    // Put the chief back in charge for the tests after this one.
    if (a.statusCode === 409) {
      await deputy.client.request('PATCH', `/api/v1/admin/users/${adminId}`, { role: 'admin' });
      await admin.request('PATCH', `/api/v1/admin/users/${deputy.id}`, { role: 'user' });
    }
    const kinds = (
      await admin.request('GET', `/api/v1/admin/audit?kind=admin_role_changed&user=${deputy.id}`)
    )
      .json()
      .items.map((entry: { detail: unknown }) => entry.detail);
    expect(kinds).toContainEqual({ from: 'user', to: 'admin' });
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const target = await member();
    const before = [await rows(users), await rows(invites), await rows(securityEvents)];
    const bad: Array<[string, string, object | undefined, number]> = [
      ['PATCH', `/api/v1/admin/users/${target.id}`, {}, 400],
      ['PATCH', `/api/v1/admin/users/${target.id}`, { role: 'root' }, 400],
      ['PATCH', `/api/v1/admin/users/${target.id}`, { disabled: 'yes' }, 400],
      ['PATCH', `/api/v1/admin/users/${target.id}`, { disabled: true, extra: 1 }, 400],
      ['PATCH', '/api/v1/admin/users/not-an-id', { disabled: true }, 400],
      ['PATCH', `/api/v1/admin/users/${UNKNOWN_ID}`, { disabled: true }, 404],
      ['DELETE', '/api/v1/admin/users/not-an-id', undefined, 400],
      ['DELETE', `/api/v1/admin/users/${UNKNOWN_ID}`, undefined, 404],
      ['POST', '/api/v1/admin/invites', { expiresInDays: 0 }, 400],
      ['POST', '/api/v1/admin/invites', { expiresInDays: 1000 }, 400],
      ['POST', '/api/v1/admin/invites', { expiresInDays: 1.5 }, 400],
      ['DELETE', `/api/v1/admin/invites/${UNKNOWN_ID}`, undefined, 404],
      ['GET', '/api/v1/admin/audit?from=yesterday', undefined, 400],
      ['GET', '/api/v1/admin/audit?kind=DROP%20TABLE', undefined, 400],
      ['GET', '/api/v1/admin/audit?offset=-1', undefined, 400],
    ];
    for (const [method, url, body, status] of bad) {
      const response = await admin.request(method as 'GET', url, body);
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(status);
    }
    const missingCsrf = await admin.request(
      'PATCH',
      `/api/v1/admin/users/${target.id}`,
      { disabled: true },
      {
        'x-csrf-token': 'wrong',
      },
    );
    expect(missingCsrf.statusCode).toBe(403);
    expect(missingCsrf.json().error.code).toBe('csrf_failed');
    expect([await rows(users), await rows(invites), await rows(securityEvents)]).toEqual(before);
    expect(
      (await admin.request('GET', `/api/v1/admin/users?query=${target.username}`)).json().items[0],
    ).toMatchObject({
      disabled: false,
      role: 'user',
    });
  });

  it('deletes an account with all its data; the audit log keeps the deletion', async () => {
    const target = await member();
    await target.client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
    const rule = await target.client.request('POST', '/api/v1/alerts', {
      symbol: 'AAPL',
      kind: 'price_cross_up',
      threshold: 100_000,
    });
    expect(rule.statusCode).toBe(201);
    const deleted = await admin.request('DELETE', `/api/v1/admin/users/${target.id}`);
    expect(deleted.statusCode).toBe(204);

    const { db } = t.database;
    expect(await db.select().from(users).where(eq(users.id, target.id))).toEqual([]);
    expect(await db.select().from(watchlistItems).where(eq(watchlistItems.userId, target.id))).toEqual([]);
    expect(await db.select().from(alertRules).where(eq(alertRules.userId, target.id))).toEqual([]);
    expect(await db.select().from(sessions).where(eq(sessions.userId, target.id))).toEqual([]);
    expect((await target.client.request('GET', '/api/v1/watchlist')).statusCode).toBe(401);
    const audit = (await admin.request('GET', `/api/v1/admin/audit?user=${target.id}`)).json().items;
    expect(audit[0]).toMatchObject({
      kind: 'admin_user_deleted',
      user: null,
      actor: { id: adminId },
      targetId: target.id,
      detail: { username: target.username, email: target.email },
    });
    expect((await admin.request('DELETE', `/api/v1/admin/users/${target.id}`)).json().error.code).toBe(
      'user_not_found',
    );
  });

  it('creates invitations at the request origin without PUBLIC_URL, lists and revokes them', async () => {
    const created = await admin.request('POST', '/api/v1/admin/invites', {}, { host: 'tracker.lan:8000' });
    expect(created.statusCode).toBe(201);
    const invite = created.json();
    expect(invite.url).toBe(`http://tracker.lan:8000/register?invite=${invite.code}`);
    expect(invite.code).toMatch(/^[\w-]{22}$/);
    const stored = await t.database.db.select().from(invites).where(eq(invites.id, invite.id));
    expect(JSON.stringify(stored)).not.toContain(invite.code);

    const listed = (await admin.request('GET', '/api/v1/admin/invites')).json().items;
    expect(listed).toContainEqual(
      expect.objectContaining({ id: invite.id, status: 'open', createdBy: 'chief', usedBy: null }),
    );
    expect((await admin.request('DELETE', `/api/v1/admin/invites/${invite.id}`)).statusCode).toBe(204);
    const after = (await admin.request('GET', '/api/v1/admin/invites')).json().items;
    expect(after.find((each: { id: string }) => each.id === invite.id)).toBeUndefined();
    const kinds = (await admin.request('GET', '/api/v1/admin/audit?kind=admin_invite_revoked')).json().items;
    expect(kinds[0]).toMatchObject({ targetId: invite.id, actor: { id: adminId } });
  });

  it('tells the health of the feed, the streams and the deliveries per channel type', async () => {
    const sender = await member();
    const { db } = t.database;
    const [channel] = await db
      .insert(notificationChannels)
      .values({ userId: sender.id, type: 'webhook', name: 'hook', url: 'https://example.com/hook' })
      .returning();
    const [rule] = await db
      .insert(alertRules)
      .values({
        userId: sender.id,
        symbol: 'AAPL',
        kind: 'price_cross_up',
        threshold: 1,
        frequency: 'once',
        hysteresisPercent: 0,
        cooldownMinutes: 0,
        status: 'fired',
      })
      .returning();
    const events = await db
      .insert(alertEvents)
      .values(
        [1, 2, 3].map((occurrence) => ({
          ruleId: rule?.id ?? '',
          userId: sender.id,
          occurrence,
          symbol: 'AAPL',
          kind: 'price_cross_up',
          threshold: 1,
          price: 2,
          firedAt: new Date(),
          message: 'AAPL crossed',
          simulated: true,
          rule: {},
        })),
      )
      .returning();
    await db.insert(deliveries).values(
      events.map((event, i) => ({
        eventId: event.id,
        channelId: channel?.id ?? '',
        userId: sender.id,
        status: i === 0 ? 'failed' : 'pending',
        // Far in the future, so the delivery loop leaves them be.
        nextAttemptAt: new Date(Date.now() + 86_400_000),
      })),
    );

    const health = await admin.request('GET', '/api/v1/admin/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({
      feed: {
        mode: 'simulated',
        sources: [],
        status: 'simulated',
        connected: expect.any(Boolean),
        subscriptions: expect.any(Number),
        symbols: { live: expect.any(Number), polled: 0, leftOut: 0 },
        rest: null,
      },
      stream: { clients: 0 },
      deliveries: [{ channelType: 'webhook', pending: 2, failed: 1 }],
    });
  });

  it('lists admin actions and sign-ins (not other security events), filtered by kind, user and time, a page at a time', async () => {
    const subject = await member();
    // A second apart: two events of one millisecond have no order of their own.
    let now = Date.now() - 10_000;
    const log = new SecurityLog(t.database.db, { now: () => (now += 1000) });
    await log.record({ kind: 'login_succeeded', userId: subject.id, address: '192.0.2.7' });
    await log.record({ kind: 'login_failed', userId: subject.id, address: '192.0.2.7' });
    await log.record({ kind: 'totp_enabled', userId: subject.id });
    const mine = (await admin.request('GET', `/api/v1/admin/audit?user=${subject.email}`)).json();
    expect(mine.items.map((entry: { kind: string }) => entry.kind)).toEqual([
      'login_failed',
      'login_succeeded',
    ]);
    expect(mine.nextOffset).toBeNull();
    const failures = (
      await admin.request('GET', `/api/v1/admin/audit?kind=login_failed&user=${subject.id}`)
    ).json();
    expect(failures.items).toHaveLength(1);
    expect((await admin.request('GET', '/api/v1/admin/audit?user=nobody_at_all')).json().items).toEqual([]);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await admin.request('GET', `/api/v1/admin/audit?from=${future}`)).json().items).toEqual([]);
    expect(
      (await admin.request('GET', `/api/v1/admin/audit?to=${future}&user=${subject.id}`)).json().items,
    ).toHaveLength(2);

    for (let i = 0; i < 55; i++) await log.record({ kind: 'login_succeeded', userId: subject.id });
    const first = (await admin.request('GET', `/api/v1/admin/audit?user=${subject.id}`)).json();
    expect(first.items).toHaveLength(50);
    expect(first.nextOffset).toBe(50);
    const second = (await admin.request('GET', `/api/v1/admin/audit?user=${subject.id}&offset=50`)).json();
    expect(second.items).toHaveLength(7);
    expect(second.nextOffset).toBeNull();
    const ids = new Set([...first.items, ...second.items].map((entry: { id: string }) => entry.id));
    expect(ids.size).toBe(57);
  });
});

describe('the admin health with Finnhub', () => {
  it('tells the REST calls used and left this minute, the 429s today and the last error', async () => {
    const fake = new FakeFinnhub();
    await fake.start();
    fake.setQuote('AAPL', { c: 100, d: 1, dp: 1, h: 101, l: 99, o: 99.5, pc: 99, t: 1700000000 });
    const t = await startTestApp({ database: 'pglite', env: fake.appEnv() });
    try {
      const admin = new TestClient(t.app);
      await admin.register();
      await admin.request('GET', '/api/v1/quotes/AAPL');
      fake.perMinuteLimit = 0;
      const limited = await admin.request('GET', '/api/v1/quotes/MSFT');
      expect(limited.statusCode).toBeGreaterThanOrEqual(429);
      const { feed } = (await admin.request('GET', '/api/v1/admin/health')).json();
      expect(feed.mode).toBe('live');
      expect(feed.sources).toEqual([
        expect.objectContaining({
          id: 'finnhub',
          name: 'Finnhub',
          breaker: 'closed',
          budget: null,
          capabilities: expect.arrayContaining(['quotes', 'live_trades', 'profile']),
          failuresInARow: 1,
          lastError: { message: 'Finnhub rate limit reached', at: expect.any(String) },
        }),
      ]);
      expect(feed.rest).toMatchObject({
        used: expect.any(Number),
        remaining: 0,
        perMinute: 55,
        rateLimitedToday: 1,
        lastError: { message: 'REST call answered 429', at: expect.any(String) },
      });
      expect(feed.rest.used).toBeGreaterThanOrEqual(2);
    } finally {
      await t.close();
      await fake.stop();
    }
  });
});
