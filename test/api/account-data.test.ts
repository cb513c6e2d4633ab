import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { totpCode, totpStep } from '../../src/auth/totp.js';
import { selectRows } from '../../src/db/database.js';
import { DomainEventBus } from '../../src/events.js';
import { testDatabaseKinds } from '../support/database.js';
import { browserSubscription, insertFiring } from '../support/delivery-fakes.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

interface UserColumn {
  table_name: string;
  column_name: string;
  delete_rule: string;
}

describe.each(testDatabaseKinds())('the account as the user’s own on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Every column that points at users(id), and what deleting the user does to it. */
  const userColumns = () =>
    selectRows<UserColumn>(
      t.database.db,
      sql`select kcu.table_name::text as table_name, kcu.column_name::text as column_name,
                 rc.delete_rule::text as delete_rule
            from information_schema.referential_constraints rc
            join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name
            join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name
           where ccu.table_name = 'users' and ccu.column_name = 'id'
           order by 1, 2`,
    );

  /** How many rows of each user-pointing column name `userId`, as `table.column`. */
  async function rowsOf(userId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { table_name, column_name } of await userColumns()) {
      const [row] = await selectRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from ${sql.identifier(table_name)} where ${sql.identifier(column_name)} = ${userId}`,
      );
      counts[`${table_name}.${column_name}`] = Number(row?.n);
    }
    const [user] = await selectRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from users where id = ${userId}`,
    );
    counts.users = Number(user?.n);
    return counts;
  }

  /** A user with something in every table that can hold their rows, signed in twice. */
  async function fullUser(options: { twoFactor?: boolean } = {}) {
    const client = new TestClient(t.app);
    const user = await client.register();
    await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
    await client.request('PATCH', '/api/v1/portfolio/settings', { costBasis: 'fifo' });
    const account = (
      await client.request('POST', '/api/v1/accounts', { name: 'Broker', currency: 'USD' })
    ).json().account;
    await client.request('POST', '/api/v1/transactions', {
      accountId: account.id,
      type: 'buy',
      symbol: 'AAPL',
      quantity: '2',
      price: '100',
      currency: 'USD',
      date: '2026-01-02',
    });
    await t.database.db.execute(sql`
      insert into import_previews (user_id, account_id, rows, errors, expires_at)
      values (${user.id}, ${account.id}, '[]'::jsonb, '[]'::jsonb, now() + interval '1 hour')`);
    await client.request('PUT', '/api/v1/notification-settings', {
      quietHours: { start: '22:00', end: '07:00' },
      timeZone: 'Europe/Berlin',
    });
    const webhook = await client.request('POST', '/api/v1/channels', {
      type: 'webhook',
      name: 'Hook',
      url: 'http://127.0.0.1:9/hook',
    });
    expect(webhook.statusCode).toBe(201);
    const push = browserSubscription('http://127.0.0.1:9/push/abcdef');
    const pushed = await client.request('POST', '/api/v1/channels', {
      type: 'push',
      name: 'Laptop',
      subscription: push.json,
    });
    expect(pushed.statusCode).toBe(201);
    const alert = await client.request('POST', '/api/v1/alerts', {
      symbol: 'AAPL',
      kind: 'price_cross_up',
      threshold: 100_000,
      channels: [webhook.json().channel.id],
    });
    expect(alert.statusCode).toBe(201);
    const firing = await insertFiring(t.database.db, {
      userId: user.id,
      channelIds: [webhook.json().channel.id],
      now: new Date(clock.now()),
    });
    await t.database.db.execute(sql`
      insert into notifications (user_id, kind, event_id, rule_id, symbol, price, message, created_at)
      values (${user.id}, 'alert_fired', ${firing.eventId}, ${firing.alertId}, 'AAPL', 251.5, 'AAPL crossed', now())`);
    await t.database.db.execute(sql`
      insert into user_preferences (user_id, settings) values (${user.id}, '{"watchlist":{"columns":["price"]}}'::jsonb)`);
    await t.database.db.execute(sql`
      insert into api_tokens (user_id, name, token_hash, scopes, last_four)
      values (${user.id}, 'script', ${`hash-${user.id}`}, array['read'], 'a1b2')`);
    await t.database.db.execute(sql`
      insert into passkeys (id, user_id, name, public_key) values (${`cred-${user.id}`}, ${user.id}, 'Phone', 'pk')`);
    await t.database.db.execute(sql`
      insert into invites (code_hash, created_by, used_by, expires_at)
      values (${`invite-${user.id}`}, ${user.id}, ${user.id}, now() + interval '1 day')`);
    await t.database.db.execute(sql`
      insert into security_events (kind, user_id, actor_id, admin) values ('admin_role_changed', ${user.id}, ${user.id}, true)`);
    await t.database.db.execute(sql`
      insert into import_previews (user_id, rows, errors, expires_at)
      values (${user.id}, '[]'::jsonb, '[]'::jsonb, now() + interval '1 hour')`);
    await t.database.db.execute(sql`
      insert into one_time_tokens (token_hash, purpose, user_id, expires_at)
      values (${`reset-${user.id}`}, 'password_reset', ${user.id}, now() + interval '1 hour')`);
    let secret: string | undefined;
    let recoveryCodes: string[] = [];
    if (options.twoFactor) {
      secret = (await client.request('POST', '/api/v1/me/2fa/setup')).json().secret as string;
      const enabled = await client.request('POST', '/api/v1/me/2fa/enable', {
        code: totpCode(secret, totpStep(clock.now())),
      });
      recoveryCodes = enabled.json().recoveryCodes;
      clock.advance(30_000);
    }
    return {
      client,
      user,
      secret,
      recoveryCodes,
      webhookSecret: webhook.json().secret as string,
      push,
      alertId: alert.json().alert.id as string,
    };
  }

  const activeRules = async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    return Number(/^stocktracker_alert_rules_active (\d+)/m.exec(metrics.body)?.[1]);
  };

  it('points every column that names a user at users(id) with a delete that cascades (or forgets who)', async () => {
    const columns = await userColumns();
    expect(columns.length).toBeGreaterThanOrEqual(15);
    for (const column of columns) {
      // Only the references to someone else's action (who invited, who used an invite, which admin
      // acted) are kept with the user forgotten; every row of the user's own goes.
      const expected = ['invites.created_by', 'invites.used_by', 'security_events.actor_id'].includes(
        `${column.table_name}.${column.column_name}`,
      )
        ? 'SET NULL'
        : 'CASCADE';
      expect(column.delete_rule, `${column.table_name}.${column.column_name}`).toBe(expected);
    }
  });

  it('exports everything the user has as a download, with no secret in it', async () => {
    const { client, user, webhookSecret, push } = await fullUser({ twoFactor: true });
    const other = new TestClient(t.app);
    await other.register();

    const response = await client.request('GET', '/api/v1/me/export');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="stock-tracker-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(response.headers['cache-control']).toBe('no-store');
    const data = response.json();
    expect(data.profile).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      role: expect.any(String),
      createdAt: expect.any(String),
      emailVerifiedAt: null,
      twoFactorEnabled: true,
    });
    expect(data.preferences).toEqual({ watchlist: { columns: ['price'] } });
    expect(data.notificationSettings).toEqual({
      quietStart: '22:00',
      quietEnd: '07:00',
      timeZone: 'Europe/Berlin',
    });
    expect(data.watchlist).toEqual([{ symbol: 'AAPL', addedAt: expect.any(String) }]);
    expect(data.alerts).toHaveLength(2);
    expect(data.alertFirings).toHaveLength(1);
    expect(data.notifications).toHaveLength(1);
    expect(data.channels.map((c: { type: string; url: string | null }) => [c.type, c.url])).toEqual([
      ['webhook', 'http://127.0.0.1:9/hook'],
      ['push', null],
    ]);
    expect(data.apiTokens).toEqual([
      expect.objectContaining({ name: 'script', scopes: ['read'], lastFour: 'a1b2' }),
    ]);
    expect(data.passkeys).toEqual([expect.objectContaining({ name: 'Phone' })]);
    expect(data.portfolio).toEqual({
      settings: { baseCurrency: 'USD', costBasis: 'fifo' },
      accounts: [expect.objectContaining({ name: 'Broker', currency: 'USD' })],
      transactions: [expect.objectContaining({ type: 'buy', symbol: 'AAPL', quantity: '2', price: '100' })],
    });
    expect(data.securityLog.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['login_succeeded', 'totp_enabled']),
    );

    const text = response.body;
    for (const secret of [webhookSecret, push.json.endpoint, push.json.keys.p256dh, push.json.keys.auth]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/whsec_|passwordHash|password_hash|totpSecret|codeHash|tokenHash|publicKey/i);
    const [row] = await selectRows<{ totp_secret: string }>(
      t.database.db,
      sql`select totp_secret from users where id = ${user.id}`,
    );
    expect(text).not.toContain(row?.totp_secret);
    // Nothing of anyone else.
    expect(data.watchlist).toHaveLength(1);
    expect((await other.request('GET', '/api/v1/me/export')).json().alerts).toEqual([]);
  });

  it.each([
    ['no body', undefined, 400, 'validation_error'],
    ['no password', {}, 400, 'validation_error'],
    ['an empty password', { password: '' }, 400, 'validation_error'],
    ['a wrong password', { password: 'not-the-password-at-all' }, 403, 'wrong_password'],
    ['no code with two-factor on', 'right password', 400, 'two_factor_code_required'],
    ['a wrong code', 'wrong code', 400, 'invalid_code'],
    ['a used recovery code', 'used recovery code', 400, 'invalid_code'],
    ['a control character in the code', 'control character', 400, 'validation_error'],
  ])('refuses a deletion with %s and deletes nothing', async (_label, body, status, code) => {
    const { client, user, recoveryCodes } = await fullUser({ twoFactor: true });
    const [recovery] = recoveryCodes;
    if (body === 'used recovery code') {
      // Used up by a sign-in first.
      const login = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      const second = await new TestClient(t.app).request('POST', '/api/v1/auth/login/2fa', {
        pendingToken: login.json().pendingToken,
        code: recovery,
      });
      expect(second.statusCode).toBe(200);
    }
    const before = await rowsOf(user.id);
    const emit = vi.spyOn(DomainEventBus.prototype, 'emit');
    const payload =
      body === 'right password'
        ? { password: user.password }
        : body === 'wrong code'
          ? { password: user.password, code: '000000' }
          : body === 'used recovery code'
            ? { password: user.password, code: recovery }
            : body === 'control character'
              ? { password: user.password, code: '12\u00003456' }
              : body;
    const response = await client.request('DELETE', '/api/v1/me', payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect(await rowsOf(user.id)).toEqual(before);
    expect(
      emit.mock.calls.filter(([name]) => name === 'auth.sessionsEnded' || name === 'account.deleted'),
    ).toEqual([]);
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
  });

  it('deletes every row of the user with the password and a code: sessions end, streams are told, rules stop', async () => {
    const { client, user, secret, alertId } = await fullUser({ twoFactor: true });
    const other = await fullUser();
    const otherBefore = await rowsOf(other.user.id);
    const before = await rowsOf(user.id);
    for (const [column, count] of Object.entries(before)) {
      if (column !== 'security_events.actor_id') expect(count, column).toBeGreaterThan(0);
    }
    const rulesBefore = await activeRules();
    const emit = vi.spyOn(DomainEventBus.prototype, 'emit');

    const response = await client.request('DELETE', '/api/v1/me', {
      password: user.password,
      code: totpCode(secret ?? '', totpStep(clock.now())),
    });
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((c) => c.name === 'st_session');
    expect(cleared?.value).toBe('');

    const after = await rowsOf(user.id);
    expect(Object.entries(after).filter(([, count]) => count > 0)).toEqual([]);
    expect(await rowsOf(other.user.id)).toEqual(otherBefore);
    expect(emit).toHaveBeenCalledWith('auth.sessionsEnded', { userId: user.id, sessions: 'all' });
    expect(emit).toHaveBeenCalledWith('watchlist.symbolRemoved', { userId: user.id, symbol: 'AAPL' });
    expect(emit).toHaveBeenCalledWith('account.deleted', {
      userId: user.id,
      alertRuleIds: expect.arrayContaining([alertId]),
    });
    // The rule created through the API was evaluated in memory: it is not any more.
    expect(await activeRules()).toBe(rulesBefore - 1);
    // The cookie the browser still has opens nothing; the password signs in to nothing.
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const login = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(401);
    // What the log keeps: that an account was deleted, by its id only.
    const [logged] = await selectRows<{ user_id: string | null; address: string | null }>(
      t.database.db,
      sql`select user_id, address from security_events where kind = 'account_deleted' and target_id = ${user.id}`,
    );
    expect(logged).toEqual({ user_id: null, address: null });
  });

  it('deletes an account without two-factor with the password alone', async () => {
    const { client, user } = await fullUser();
    const response = await client.request('DELETE', '/api/v1/me', { password: user.password });
    expect(response.statusCode).toBe(204);
    expect((await rowsOf(user.id)).users).toBe(0);
  });

  it('needs a session and the CSRF token', async () => {
    const anonymous = new TestClient(t.app);
    expect((await anonymous.request('GET', '/api/v1/me/export')).statusCode).toBe(401);
    expect((await anonymous.request('DELETE', '/api/v1/me', { password: 'x' })).statusCode).toBe(401);
    const client = new TestClient(t.app);
    const user = await client.register();
    const forged = await client.request(
      'DELETE',
      '/api/v1/me',
      { password: user.password },
      { 'x-csrf-token': 'no' },
    );
    expect(forged.statusCode).toBe(403);
    expect((await rowsOf(user.id)).users).toBe(1);
  });

  it.each([
    ['aaaaaaaaaa', 'Repeated characters'],
    ['abcdefghij', 'Common character sequences'],
    [' '.repeat(10), 'only spaces'],
  ])(
    'refuses to register with the trivial password %j, saying why, and writes nothing',
    async (password, why) => {
      const [before] = await selectRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from users`,
      );
      const response = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
        username: 'trivial_pw',
        email: 'trivial@example.com',
        password,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.fields.password.join(' ')).toContain(why);
      const [after] = await selectRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from users`,
      );
      expect(after?.n).toBe(before?.n);
    },
  );
});
