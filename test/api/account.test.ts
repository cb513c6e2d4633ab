import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { SecurityLog } from '../../src/auth/security-log.js';
import { TwoFactorService } from '../../src/auth/two-factor.service.js';
import { selectRows } from '../../src/db/database.js';
import { DomainEventBus } from '../../src/events.js';
import { openTestDatabase, testDatabaseKinds } from '../support/database.js';
import { StreamClient } from '../support/stream-client.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const MAC_CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/** The close code a stream gets, or 'open' if it is still open after `ms`. */
function closeCodeOf(stream: StreamClient, ms = 3000): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    stream.socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe.each(testDatabaseKinds())('sessions, password and security log on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({
      database: kind,
      clock,
      listen: true,
      limits: { perAccountAndAddress: 5, perAddress: 1000 },
      env: { STREAMS_PER_USER: '3' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const host = () => new URL(t.baseUrl).host;
  const connect = (client: TestClient) =>
    StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '', origin: `http://${host()}` });
  const count = async (query: ReturnType<typeof sql>) =>
    Number((await selectRows<{ n: number }>(t.database.db, query))[0]?.n);

  /** A user signed in twice: on a Mac (`desk`) and on an iPhone (`phone`). */
  async function userOnTwoDevices() {
    const desk = new TestClient(t.app);
    const user = await desk.register({}, MAC_CHROME);
    const phone = new TestClient(t.app);
    const login = await phone.request(
      'POST',
      '/api/v1/auth/login',
      { username: user.username, password: user.password },
      { 'user-agent': IPHONE_SAFARI },
    );
    expect(login.statusCode).toBe(200);
    return { user, desk, phone };
  }

  it('lists the sessions with device, address and times, this one marked; last seen written at most once a minute', async () => {
    const { desk, phone } = await userOnTwoDevices();
    const listed = await desk.request('GET', '/api/v1/me/sessions');
    expect(listed.statusCode).toBe(200);
    const items = listed.json().items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(2);
    const mine = items.find((item) => item.current);
    const other = items.find((item) => !item.current);
    expect(mine).toMatchObject({
      device: 'Chrome on macOS',
      userAgent: MAC_CHROME,
      address: '127.0.0.1',
      createdAt: new Date(clock.now()).toISOString(),
    });
    expect(other).toMatchObject({ device: 'Safari on iOS', userAgent: IPHONE_SAFARI });
    expect(JSON.stringify(items)).not.toMatch(/hash|csrf/i);

    const lastSeen = async () =>
      (
        (await desk.request('GET', '/api/v1/me/sessions')).json().items as Array<{
          id: string;
          lastSeenAt: string;
        }>
      ).find((item) => item.id === other?.id)?.lastSeenAt;
    const start = clock.now();
    clock.advance(30_000);
    await phone.request('GET', '/api/v1/auth/session');
    expect(await lastSeen()).toBe(new Date(start).toISOString());
    clock.advance(31_000);
    await phone.request('GET', '/api/v1/auth/session');
    expect(await lastSeen()).toBe(new Date(start + 61_000).toISOString());
  });

  it('signs out another session: its cookie stops working and its open stream closes with 4001', async () => {
    const { desk, phone } = await userOnTwoDevices();
    const deskStream = await connect(desk);
    const phoneStream = await connect(phone);
    await phoneStream.next((f) => f.type === 'status');
    const phoneClosed = closeCodeOf(phoneStream);
    const deskClosed = closeCodeOf(deskStream, 500);

    const items = (await desk.request('GET', '/api/v1/me/sessions')).json().items as Array<{
      id: string;
      current: boolean;
    }>;
    const other = items.find((item) => !item.current)?.id ?? '';
    expect((await desk.request('DELETE', `/api/v1/me/sessions/${other}`)).statusCode).toBe(204);
    expect(await phoneClosed).toBe(4001);
    expect(await deskClosed).toBe('open');
    expect((await phone.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await desk.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    expect((await desk.request('DELETE', `/api/v1/me/sessions/${other}`)).statusCode).toBe(404);
    await deskStream.close();
  });

  it("refuses to end another user's session (404, nothing ended) and a malformed id (400)", async () => {
    const { phone } = await userOnTwoDevices();
    const stranger = new TestClient(t.app);
    await stranger.register();
    const theirs = (await phone.request('GET', '/api/v1/me/sessions')).json().items[0].id as string;
    const before = await count(sql`select count(*)::int as n from sessions`);

    const foreign = await stranger.request('DELETE', `/api/v1/me/sessions/${theirs}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('session_not_found');
    const malformed = await stranger.request('DELETE', '/api/v1/me/sessions/not-a-uuid');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('validation_error');
    const noCsrf = await stranger.request('DELETE', `/api/v1/me/sessions/${theirs}`, undefined, {
      'x-csrf-token': 'forged',
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(await count(sql`select count(*)::int as n from sessions`)).toBe(before);
    expect((await phone.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
  });

  it('ending this session from the list signs this browser out and clears its cookie', async () => {
    const { desk } = await userOnTwoDevices();
    const mine = (
      (await desk.request('GET', '/api/v1/me/sessions')).json().items as Array<{
        id: string;
        current: boolean;
      }>
    ).find((item) => item.current)?.id;
    const cookie = desk.cookie;
    const ended = await desk.request('DELETE', `/api/v1/me/sessions/${mine}`);
    expect(ended.statusCode).toBe(204);
    expect(ended.cookies.find((c) => c.name === 'st_session')?.value).toBe('');
    const again = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
    expect(again.statusCode).toBe(401);
  });

  it('signs out everywhere else: the other sessions and their streams end, this one stays', async () => {
    const { user, desk, phone } = await userOnTwoDevices();
    const laptop = new TestClient(t.app);
    await laptop.request('POST', '/api/v1/auth/login', { username: user.email, password: user.password });
    const streams = [await connect(desk), await connect(phone), await connect(laptop)];
    const closed = streams.map((stream, index) => closeCodeOf(stream, index === 0 ? 500 : 3000));

    const ended = await desk.request('POST', '/api/v1/me/sessions/end-others');
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toEqual({ sessionsEnded: 2 });
    expect(await Promise.all(closed)).toEqual(['open', 4001, 4001]);
    expect((await phone.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await laptop.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await desk.request('GET', '/api/v1/me/sessions')).json().items).toHaveLength(1);
    await streams[0]?.close();
  });

  it('logout closes the streams of that session at once (4001), not those of the others', async () => {
    const { desk, phone } = await userOnTwoDevices();
    const deskStream = await connect(desk);
    const phoneStream = await connect(phone);
    const deskClosed = closeCodeOf(deskStream);
    const phoneClosed = closeCodeOf(phoneStream, 500);
    expect((await desk.request('POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    expect(await deskClosed).toBe(4001);
    expect(await phoneClosed).toBe('open');
    await phoneStream.close();
  });

  it('a new login in the same browser ends the session it replaces, and its stream', async () => {
    const desk = new TestClient(t.app);
    const user = await desk.register();
    const stream = await connect(desk);
    const closed = closeCodeOf(stream);
    await desk.request('POST', '/api/v1/auth/login', { username: user.username, password: user.password });
    expect(await closed).toBe(4001);
  });

  it('caps the streams one user holds open (4008 for one more), without touching other users', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const open = [await connect(client), await connect(client), await connect(client)];
    const fourth = await connect(client);
    expect(await closeCodeOf(fourth)).toBe(4008);
    const someoneElse = new TestClient(t.app);
    await someoneElse.register();
    const theirs = await connect(someoneElse);
    await theirs.next((f) => f.type === 'status');
    await open[0]?.close();
    await expect
      .poll(async () => {
        const again = await connect(client);
        const code = await closeCodeOf(again, 300);
        if (code === 'open') await again.close();
        return code;
      })
      .toBe('open');
    for (const stream of [...open, theirs]) await stream.close();
  });

  it('changes the password with the current one: other sessions and their streams end, this one stays', async () => {
    const { user, desk, phone } = await userOnTwoDevices();
    const phoneStream = await connect(phone);
    const closed = closeCodeOf(phoneStream);
    const changed = await desk.request('POST', '/api/v1/me/password', {
      currentPassword: user.password,
      newPassword: 'granite-lantern-orchid-52',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ sessionsEnded: 1 });
    expect(await closed).toBe(4001);
    expect((await phone.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await desk.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);

    const login = (password: string) =>
      new TestClient(t.app).request('POST', '/api/v1/auth/login', { username: user.username, password });
    expect((await login(user.password)).statusCode).toBe(401);
    expect((await login('granite-lantern-orchid-52')).statusCode).toBe(200);
  });

  it('refuses a wrong current password (403) or a weak new one (400 naming it), changing nothing', async () => {
    const { user, desk, phone } = await userOnTwoDevices();
    const hash = () =>
      selectRows<{ h: string }>(
        t.database.db,
        sql`select password_hash as h from users where id = ${user.id}`,
      );
    const before = await hash();

    const wrong = await desk.request('POST', '/api/v1/me/password', {
      currentPassword: 'not-my-password-at-all',
      newPassword: 'granite-lantern-orchid-52',
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({
      code: 'wrong_password',
      fields: { currentPassword: ['The current password is wrong.'] },
    });
    const weak = await desk.request('POST', '/api/v1/me/password', {
      currentPassword: user.password,
      newPassword: '1234567890',
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.fields.newPassword).toContain('This password is entirely numeric.');

    for (const body of [
      undefined,
      {},
      { currentPassword: user.password },
      { currentPassword: user.password, newPassword: '' },
      { currentPassword: user.password, newPassword: 42 },
      { currentPassword: user.password, newPassword: 'x'.repeat(300) },
      { currentPassword: user.password, newPassword: 'has\u0000a-control-character' },
    ]) {
      const response = await desk.request(
        'POST',
        '/api/v1/me/password',
        body ?? '',
        body === undefined ? { 'content-type': 'application/json' } : {},
      );
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await hash()).toEqual(before);
    expect((await phone.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
  });

  it('counts wrong current passwords like failed logins: 429 after five a minute', async () => {
    const { user, desk } = await userOnTwoDevices();
    for (let i = 0; i < 5; i++) {
      const response = await desk.request('POST', '/api/v1/me/password', {
        currentPassword: `wrong-password-${i}`,
        newPassword: 'granite-lantern-orchid-52',
      });
      expect(response.statusCode).toBe(403);
    }
    const blocked = await desk.request('POST', '/api/v1/me/password', {
      currentPassword: user.password,
      newPassword: 'granite-lantern-orchid-52',
    });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The same account's logins from that address wait too.
    const login = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(429);
    clock.advance(61_000);
  });

  it('keys the login throttle on the account: the username and the email share five tries', async () => {
    const user = await new TestClient(t.app).register();
    const attempt = (username: string, password = 'wrong-password-1234') =>
      new TestClient(t.app).request('POST', '/api/v1/auth/login', { username, password });
    for (const login of [user.username, user.email, user.username.toUpperCase(), user.email.toUpperCase()]) {
      expect((await attempt(login)).statusCode).toBe(401);
    }
    expect((await attempt(user.email)).statusCode).toBe(401);
    expect((await attempt(user.username, user.password)).statusCode).toBe(429);
    expect((await attempt(user.email, user.password)).statusCode).toBe(429);
    // Unknown logins are counted under their lowered text: the case does not give more tries.
    for (let i = 0; i < 5; i++)
      expect((await attempt(i % 2 ? 'Nobody_Here' : 'nobody_here')).statusCode).toBe(401);
    expect((await attempt('NOBODY_HERE')).statusCode).toBe(429);
    clock.advance(61_000);
    expect((await attempt(user.email, user.password)).statusCode).toBe(200);
  });

  it('keeps a security log of sign-ins, failures, sign-outs and password changes, newest first, a page at a time', async () => {
    const desk = new TestClient(t.app);
    const user = await desk.register({}, MAC_CHROME);
    const step = () => clock.advance(1000);
    step();
    await new TestClient(t.app).request(
      'POST',
      '/api/v1/auth/login',
      { username: user.email, password: 'wrong-password-1234' },
      { 'user-agent': IPHONE_SAFARI },
    );
    step();
    const phone = new TestClient(t.app);
    await phone.request(
      'POST',
      '/api/v1/auth/login',
      { username: user.username, password: user.password },
      { 'user-agent': IPHONE_SAFARI },
    );
    step();
    await phone.request('POST', '/api/v1/auth/logout');
    step();
    await desk.request('POST', '/api/v1/me/password', {
      currentPassword: user.password,
      newPassword: 'granite-lantern-orchid-52',
    });
    step();
    await desk.request('POST', '/api/v1/me/sessions/end-others');

    const all = await desk.request('GET', '/api/v1/me/security-log');
    expect(all.statusCode).toBe(200);
    const kinds = (all.json().items as Array<{ kind: string }>).map((item) => item.kind);
    expect(kinds).toEqual([
      'sessions_ended',
      'password_changed',
      'logout',
      'login_succeeded',
      'login_failed',
    ]);
    expect(all.json().next).toBeNull();
    expect(all.json().items[4]).toMatchObject({
      address: '127.0.0.1',
      userAgent: IPHONE_SAFARI,
      device: 'Safari on iOS',
      createdAt: new Date(clock.now() - 4000).toISOString(),
    });

    const first = (await desk.request('GET', '/api/v1/me/security-log?limit=2')).json();
    expect(first.items.map((item: { kind: string }) => item.kind)).toEqual([
      'sessions_ended',
      'password_changed',
    ]);
    const second = (
      await desk.request('GET', `/api/v1/me/security-log?limit=2&before=${encodeURIComponent(first.next)}`)
    ).json();
    expect(second.items.map((item: { kind: string }) => item.kind)).toEqual(['logout', 'login_succeeded']);
    const third = (
      await desk.request('GET', `/api/v1/me/security-log?limit=2&before=${encodeURIComponent(second.next)}`)
    ).json();
    expect(third.items.map((item: { kind: string }) => item.kind)).toEqual(['login_failed']);
    expect(third.next).toBeNull();

    const stranger = new TestClient(t.app);
    await stranger.register();
    expect((await stranger.request('GET', '/api/v1/me/security-log')).json().items).toEqual([]);
  });

  it('answers a bad security log page with 400', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'before=yesterday',
      'before=2026-13-45T99:99:99.000Z_0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10',
      'unknown=1',
    ]) {
      const response = await client.request('GET', `/api/v1/me/security-log?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('validation_error');
    }
  });

  it('answers 401 to every account route without a session', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/me/sessions'],
      ['DELETE', '/api/v1/me/sessions/0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10'],
      ['POST', '/api/v1/me/sessions/end-others'],
      ['POST', '/api/v1/me/password'],
      ['GET', '/api/v1/me/security-log'],
      ['GET', '/api/v1/me/email-verification'],
      ['POST', '/api/v1/me/email-verification'],
    ] as const) {
      const response = await t.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe.each(testDatabaseKinds())('the expired-session sweep on %s', (kind) => {
  it('tells whose sessions it deleted, so their open streams close too', async () => {
    const database = await openTestDatabase(kind);
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const events = new DomainEventBus();
    const log = new SecurityLog(database.db, clock);
    const throttle = new LoginThrottle(clock, { perAccountAndAddress: 5, perAddress: 20 });
    const twoFactor = new TwoFactorService(database.db, clock, throttle, log);
    const auth = new AuthService(database.db, clock, throttle, 60_000, twoFactor, events, log);
    const origin = { address: '127.0.0.1', userAgent: null };
    const credentials = {
      username: 'sweepy',
      email: 'sweepy@example.com',
      password: 'plover-quartz-harbour-91',
    };
    const { user } = await auth.register(credentials, origin);
    const ended: unknown[] = [];
    events.on('auth.sessionsEnded', (event) => ended.push(event));
    try {
      expect(await auth.deleteExpiredSessions()).toBe(0);
      clock.advance(61_000);
      expect(await auth.deleteExpiredSessions()).toBe(1);
      expect(ended).toEqual([{ userId: user.id, sessions: [expect.any(String)] }]);
    } finally {
      await database.close();
    }
  });
});
