import { count, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { invites, sessions, users } from '../../src/db/schema.js';
import { testDatabaseKinds } from '../support/database.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const PASSWORD = 'plover-quartz-harbour-91';
const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(testDatabaseKinds())('registration, roles and invitations on %s', (kind) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function start(env: Record<string, string> = {}, clock?: ManualClock) {
    const t = await startTestApp({ database: kind, env, clock });
    apps.push(t);
    return t;
  }

  const userCount = async (t: TestApp) => (await t.database.db.select({ n: count() }).from(users))[0]?.n;

  const register = (t: TestApp, name: string, extra: Record<string, unknown> = {}) =>
    new TestClient(t.app).request('POST', '/api/v1/auth/register', {
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
      ...extra,
    });

  it('makes the first account admin and the next ones users, and says so in the user object', async () => {
    const t = await start();
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/auth/registration' });
    expect(before.json()).toEqual({ mode: 'open', firstAccount: true });

    const first = await register(t, 'founder');
    expect(first.statusCode).toBe(201);
    expect(first.json().user).toMatchObject({ username: 'founder', role: 'admin' });
    const second = await register(t, 'member');
    expect(second.json().user).toMatchObject({ username: 'member', role: 'user' });

    const after = await t.app.inject({ method: 'GET', url: '/api/v1/auth/registration' });
    expect(after.json()).toEqual({ mode: 'open', firstAccount: false });
    const login = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: 'founder',
      password: PASSWORD,
    });
    expect(login.json().user.role).toBe('admin');
  });

  it('makes exactly one admin when the first accounts register at the same moment', async () => {
    const t = await start();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => register(t, `racer${i}`)));
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    const roles = answers.map((answer) => answer.json().user.role).sort();
    expect(roles).toEqual(['admin', 'user', 'user', 'user', 'user', 'user']);
    const admins = await t.database.db.select({ n: count() }).from(users).where(eq(users.role, 'admin'));
    expect(admins[0]?.n).toBe(1);
  });

  it('with REGISTRATION=closed lets only the first account in, and writes nothing for the others', async () => {
    const t = await start({ REGISTRATION: 'closed' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/registration' })).json()).toEqual({
      mode: 'closed',
      firstAccount: true,
    });
    const first = await register(t, 'owner');
    expect(first.statusCode).toBe(201);
    expect(first.json().user.role).toBe('admin');

    const refused = await register(t, 'visitor');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('registration_closed');
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(await userCount(t)).toBe(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/registration' })).json()).toEqual({
      mode: 'closed',
      firstAccount: false,
    });
  });

  it('with REGISTRATION=invite needs a valid, unused, unexpired invitation, and uses it up', async () => {
    const clock = new ManualClock(Date.now());
    const t = await start({ REGISTRATION: 'invite', PUBLIC_URL: 'https://stocks.example.org' }, clock);
    const admin = new TestClient(t.app);
    await admin.register({ username: 'host', email: 'host@example.com' });

    const missing = await register(t, 'nocode');
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('invite_invalid');
    const wrong = await register(t, 'wrongcode', { inviteCode: 'not-a-real-code' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('invite_invalid');
    expect(await userCount(t)).toBe(1);

    const created = await admin.request('POST', '/api/v1/admin/invites', { expiresInDays: 2 });
    expect(created.statusCode).toBe(201);
    const { code, url, expiresAt } = created.json();
    expect(url).toBe(`https://stocks.example.org/register?invite=${encodeURIComponent(code)}`);
    expect(Date.parse(expiresAt)).toBe(clock.now() + 2 * DAY_MS);

    const invited = await register(t, 'guest', { inviteCode: code });
    expect(invited.statusCode).toBe(201);
    expect(invited.json().user.role).toBe('user');
    const again = await register(t, 'guest2', { inviteCode: code });
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe('invite_invalid');

    const listed = (await admin.request('GET', '/api/v1/admin/invites')).json().items;
    expect(listed).toEqual([
      expect.objectContaining({ status: 'used', usedBy: 'guest', createdBy: 'host', expiresAt }),
    ]);

    const expiring = (await admin.request('POST', '/api/v1/admin/invites', { expiresInDays: 1 })).json();
    clock.advance(DAY_MS + 1000);
    const late = await register(t, 'latecomer', { inviteCode: expiring.code });
    expect(late.statusCode).toBe(403);
    expect(late.json().error.code).toBe('invite_invalid');
    const statuses = (await admin.request('GET', '/api/v1/admin/invites')).json().items;
    expect(statuses.find((invite: { id: string }) => invite.id === expiring.id)?.status).toBe('expired');
    expect(await userCount(t)).toBe(2);
  });

  it('lets one invitation make one account when two use it at once', async () => {
    const t = await start({ REGISTRATION: 'invite' });
    const admin = new TestClient(t.app);
    await admin.register();
    const { code } = (await admin.request('POST', '/api/v1/admin/invites', {})).json();
    const answers = await Promise.all(
      ['twin_a', 'twin_b', 'twin_c'].map((name) => register(t, name, { inviteCode: code })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 403, 403]);
    expect(await userCount(t)).toBe(2);
    const used = await t.database.db.select({ usedBy: invites.usedBy }).from(invites);
    expect(used).toEqual([{ usedBy: answers.find((a) => a.statusCode === 201)?.json().user.id }]);
  });

  it('lets no revoked invitation in, and ignores a code in open mode', async () => {
    const t = await start({ REGISTRATION: 'invite' });
    const admin = new TestClient(t.app);
    await admin.register();
    const invite = (await admin.request('POST', '/api/v1/admin/invites', {})).json();
    expect((await admin.request('DELETE', `/api/v1/admin/invites/${invite.id}`)).statusCode).toBe(204);
    const revoked = await register(t, 'toolate', { inviteCode: invite.code });
    expect(revoked.json().error.code).toBe('invite_invalid');

    const open = await start();
    await register(open, 'first');
    expect((await register(open, 'second', { inviteCode: 'anything' })).statusCode).toBe(201);
  });

  it('refuses a disabled account at sign-in with account_disabled, only to whoever knows the password', async () => {
    const t = await start();
    const admin = new TestClient(t.app);
    await admin.register();
    const member = new TestClient(t.app);
    const { id, username } = await member.register();
    expect((await admin.request('PATCH', `/api/v1/admin/users/${id}`, { disabled: true })).statusCode).toBe(
      200,
    );

    const sessionsLeft = await t.database.db
      .select({ n: count() })
      .from(sessions)
      .where(eq(sessions.userId, id));
    expect(sessionsLeft[0]?.n).toBe(0);
    expect((await member.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const login = (password: string) =>
      new TestClient(t.app).request('POST', '/api/v1/auth/login', { username, password });
    const refused = await login(PASSWORD);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('account_disabled');
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect((await login('wrong-password-entirely')).json().error.code).toBe('invalid_credentials');

    await admin.request('PATCH', `/api/v1/admin/users/${id}`, { disabled: false });
    expect((await login(PASSWORD)).statusCode).toBe(200);
  });
});
