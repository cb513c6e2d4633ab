import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { hashToken } from '../../src/auth/tokens.js';
import { testDatabaseKinds } from '../support/database.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe.each(testDatabaseKinds())('accounts and sessions on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const countRows = async (table: 'users' | 'sessions') => {
    const result = await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
    return Number((result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n);
  };

  it('registers a user, logs them in with an HttpOnly SameSite=Lax cookie and returns a CSRF token', async () => {
    const client = new TestClient(t.app);
    const response = await client.request('POST', '/api/v1/auth/register', {
      username: 'Alice_1',
      email: 'Alice1@Example.com',
      password: 'plover-quartz-harbour-91',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toEqual({
      id: expect.any(String),
      username: 'Alice_1',
      email: 'alice1@example.com',
      role: expect.stringMatching(/^(admin|user)$/),
    });
    expect(body.csrfToken).toMatch(/^[\w-]{40,}$/);
    expect(JSON.stringify(body)).not.toMatch(/password|hash/i);

    const cookie = response.cookies.find((c) => c.name === 'st_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();

    const session = await client.request('GET', '/api/v1/auth/session');
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual({ user: body.user, csrfToken: body.csrfToken });
  });

  it('stores only a hash of the session token, never the token itself', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const token = client.cookie?.split('=')[1] ?? '';
    const rows = await t.database.db.execute(sql`select id_hash from sessions`);
    const hashes = (rows as unknown as { rows: Array<{ id_hash: string }> }).rows.map((r) => r.id_hash);
    expect(hashes).toContain(hashToken(token));
    expect(hashes).not.toContain(token);
  });

  it('refuses a taken username or email case-insensitively with 409, and writes nothing', async () => {
    const client = new TestClient(t.app);
    const first = await client.register();
    const before = await countRows('users');

    const sameName = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
      username: first.username.toUpperCase(),
      email: 'someone-else@example.com',
      password: 'plover-quartz-harbour-91',
    });
    expect(sameName.statusCode).toBe(409);
    expect(sameName.json().error.code).toBe('username_taken');

    const sameEmail = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
      username: 'different_name',
      email: first.email.toUpperCase(),
      password: 'plover-quartz-harbour-91',
    });
    expect(sameEmail.statusCode).toBe(409);
    expect(sameEmail.json().error.code).toBe('email_taken');
    expect(await countRows('users')).toBe(before);
  });

  it('gives one account and one 409 when the same username registers twice at once', async () => {
    const body = { username: 'racer_x', email: 'racer@example.com', password: 'plover-quartz-harbour-91' };
    const [a, b] = await Promise.all([
      new TestClient(t.app).request('POST', '/api/v1/auth/register', body),
      new TestClient(t.app).request('POST', '/api/v1/auth/register', {
        ...body,
        email: 'racer2@example.com',
      }),
    ]);
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([201, 409]);
    const rows = await t.database.db.execute(
      sql`select count(*)::int as n from users where lower(username) = 'racer_x'`,
    );
    expect(Number((rows as unknown as { rows: Array<{ n: number }> }).rows[0]?.n)).toBe(1);
  });

  it('says every reason a password is refused, next to the password field', async () => {
    const response = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
      username: 'digits_guy',
      email: 'digits@example.com',
      password: '123456789',
    });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('validation_error');
    expect(error.fields.password).toEqual([
      'This password is too short. It must contain at least 10 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
    ]);
  });

  it('refuses a password too similar to the username', async () => {
    const response = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
      username: 'marguerite',
      email: 'mg@example.com',
      password: 'marguerite2024',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields.password).toContain('This password is too similar to the username.');
  });

  it.each([
    ['a missing body', undefined, ['username', 'email', 'password']],
    ['empty fields', { username: '', email: '', password: '' }, ['username', 'email', 'password']],
    ['wrong types', { username: 42, email: true, password: ['x'] }, ['username', 'email', 'password']],
    [
      'a bad username',
      { username: 'no spaces!', email: 'a@b.co', password: 'plover-quartz-harbour-91' },
      ['username'],
    ],
    [
      'a short username',
      { username: 'ab', email: 'a@b.co', password: 'plover-quartz-harbour-91' },
      ['username'],
    ],
    [
      'a bad email',
      { username: 'valid_name', email: 'not-an-email', password: 'plover-quartz-harbour-91' },
      ['email'],
    ],
  ])('answers %s with 400 and the field names, creating nothing', async (_label, body, fields) => {
    const before = await countRows('users');
    const response = await new TestClient(t.app).request(
      'POST',
      '/api/v1/auth/register',
      body ?? '',
      body === undefined ? { 'content-type': 'application/json' } : {},
    );
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    if (body === undefined) {
      expect(error.code).toBe('invalid_json');
    } else {
      expect(error.code).toBe('validation_error');
      expect(Object.keys(error.fields).sort()).toEqual([...fields].sort());
    }
    expect(await countRows('users')).toBe(before);
  });

  it('logs in by username or email, case-insensitively, with a new session each time', async () => {
    const first = new TestClient(t.app);
    const user = await first.register();
    const registeredCookie = first.cookie;

    const byName = await first.request('POST', '/api/v1/auth/login', {
      username: user.username.toUpperCase(),
      password: user.password,
    });
    expect(byName.statusCode).toBe(200);
    expect(byName.json().user.id).toBe(user.id);
    expect(first.cookie).not.toBe(registeredCookie);
    // The session the browser had before logging in no longer works (no session fixation).
    const old = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: { cookie: registeredCookie },
    });
    expect(old.statusCode).toBe(401);

    const byEmail = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: user.email,
      password: user.password,
    });
    expect(byEmail.statusCode).toBe(200);
  });

  it('gives the same 401 for an unknown user and for a wrong password', async () => {
    const user = await new TestClient(t.app).register();
    const wrongPassword = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: 'not-the-password-at-all',
    });
    const unknownUser = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username: 'nobody_by_that_name',
      password: 'not-the-password-at-all',
    });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.statusCode).toBe(401);
    expect(wrongPassword.json()).toEqual(unknownUser.json());
    expect(wrongPassword.json().error.code).toBe('invalid_credentials');
  });

  it('logout deletes the session server-side and clears the cookie', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const cookie = client.cookie;
    const sessionsBefore = await countRows('sessions');

    const response = await client.request('POST', '/api/v1/auth/logout');
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((c) => c.name === 'st_session');
    expect(cleared?.value).toBe('');
    expect(await countRows('sessions')).toBe(sessionsBefore - 1);

    const reused = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('unauthenticated');
  });

  it('requires the CSRF header for logout and other cookie-authenticated writes', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const missing = await client.request('POST', '/api/v1/auth/logout', undefined, { 'x-csrf-token': '' });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_failed');
    const wrong = await client.request('POST', '/api/v1/auth/logout', undefined, {
      'x-csrf-token': 'forged',
    });
    expect(wrong.statusCode).toBe(403);
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
  });

  it('refuses login and registration from a cross-site Origin, and allows same-origin and no Origin', async () => {
    const user = await new TestClient(t.app).register();
    const attempt = (headers: Record<string, string>) =>
      new TestClient(t.app).request(
        'POST',
        '/api/v1/auth/login',
        { username: user.username, password: user.password },
        { host: 'localhost:8000', ...headers },
      );
    const evil = await attempt({ origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('forbidden_origin');
    expect((await attempt({ origin: 'http://localhost:8000' })).statusCode).toBe(200);
    expect((await attempt({})).statusCode).toBe(200);

    const register = await new TestClient(t.app).request(
      'POST',
      '/api/v1/auth/register',
      { username: 'cross_site', email: 'cross@example.com', password: 'plover-quartz-harbour-91' },
      { host: 'localhost:8000', origin: 'http://localhost.evil.example:8000' },
    );
    expect(register.statusCode).toBe(403);
  });

  it('compares the whole Origin with its own: another scheme or port is another site', async () => {
    const user = await new TestClient(t.app).register();
    const attempt = (origin: string) =>
      new TestClient(t.app).request(
        'POST',
        '/api/v1/auth/login',
        { username: user.username, password: user.password },
        { host: 'localhost:8000', origin },
      );
    for (const origin of ['https://localhost:8000', 'http://localhost:8001', 'http://localhost', 'null']) {
      const response = await attempt(origin);
      expect(response.statusCode, origin).toBe(403);
      expect(response.json().error.code, origin).toBe('forbidden_origin');
    }
    expect((await attempt('http://LOCALHOST:8000')).statusCode).toBe(200);
  });

  it('slides the session expiry forward once half of it has passed', async () => {
    const client = new TestClient(t.app);
    await client.register();
    clock.advance(16 * 24 * 60 * 60 * 1000);
    const renewed = await client.request('GET', '/api/v1/auth/session');
    expect(renewed.statusCode).toBe(200);
    const cookie = renewed.cookies.find((c) => c.name === 'st_session');
    expect(cookie?.expires?.getTime()).toBeGreaterThan(clock.now() + 29 * 24 * 60 * 60 * 1000);

    clock.advance(31 * 24 * 60 * 60 * 1000);
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('answers 401 unauthenticated for API calls without a session', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/auth/session'],
      ['GET', '/api/v1/watchlist'],
      ['POST', '/api/v1/watchlist'],
      ['DELETE', '/api/v1/watchlist/AAPL'],
      ['GET', '/api/v1/watchlist/sparklines'],
      ['GET', '/api/v1/portfolio'],
      ['POST', '/api/v1/portfolio'],
      ['DELETE', '/api/v1/portfolio/AAPL'],
      ['GET', '/api/v1/quotes/AAPL'],
      ['GET', '/api/v1/symbols/search?q=a'],
      ['POST', '/api/v1/auth/logout'],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: { cookie: 'st_session=made-up-token' } });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
  });

  it('tells the page who is signed in with a 200 either way (no 401 for an anonymous visitor)', async () => {
    const anonymous = await new TestClient(t.app).request('GET', '/api/v1/auth/whoami');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ user: null, csrfToken: null });
    const forgotten = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/whoami',
      headers: { cookie: 'st_session=made-up-token' },
    });
    expect(forgotten.json()).toEqual({ user: null, csrfToken: null });

    const client = new TestClient(t.app);
    const user = await client.register();
    const signedIn = await client.request('GET', '/api/v1/auth/whoami');
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toEqual({
      user: { id: expect.any(String), username: user.username, email: user.email, role: 'user' },
      csrfToken: client.csrfToken,
    });
  });

  it('never writes passwords, session tokens or CSRF tokens to the log', async () => {
    const client = new TestClient(t.app);
    const user = await client.register({ password: 'unmistakable-Secret-4711' });
    await client.request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: 'wrong-password-xyz-1',
    });
    await client.request('POST', '/api/v1/auth/login', { username: user.username, password: user.password });
    const log = t.logs.join('\n');
    expect(log).not.toContain('unmistakable-Secret-4711');
    expect(log).not.toContain('wrong-password-xyz-1');
    expect(log).not.toContain(client.cookie?.split('=')[1] ?? 'unset');
    expect(log).not.toContain(client.csrfToken ?? 'unset');
  });
});

describe.each(testDatabaseKinds())('login brute-force limits on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock, limits: { perAccountAndAddress: 5, perAddress: 20 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (username: string, password: string, ip = '10.0.0.1') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password },
      remoteAddress: ip,
    });

  it('answers 429 with Retry-After after 5 failures for one account from one address, then recovers', async () => {
    const user = await new TestClient(t.app).register();
    for (let i = 0; i < 5; i++)
      expect((await login(user.username, 'wrong-password-1234')).statusCode).toBe(401);
    const blocked = await login(user.username, user.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not blocked for that account.
    expect((await login(user.username, user.password, '10.0.0.2')).statusCode).toBe(200);
    clock.advance(61_000);
    expect((await login(user.username, user.password)).statusCode).toBe(200);
  });

  it('answers 429 after 20 failures a minute from one address across accounts', async () => {
    const user = await new TestClient(t.app).register();
    for (let i = 0; i < 20; i++) {
      expect((await login(`nobody_${i}`, 'wrong-password-1234', '10.0.0.9')).statusCode).toBe(401);
    }
    const blocked = await login(user.username, user.password, '10.0.0.9');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });
});

describe('request rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      database: 'pglite',
      limits: { perUserPerMinute: 5, authPerAddressPerMinute: 3 },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('limits API calls per user with 429 and Retry-After', async () => {
    const client = new TestClient(t.app);
    await client.register({}).catch(() => undefined);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestClient['request']>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await client.request('GET', '/api/v1/portfolio');
      statuses.push(last.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect(last?.json().error.code).toBe('rate_limited');
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('limits register and login attempts per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'x', password: 'y' },
        remoteAddress: '10.9.9.9',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });
});

describe('the per-address limit counts every request, before any database work', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    t = await startTestApp({ database: 'pglite', clock, limits: { perAddressPerMinute: 10 } });
  });
  afterAll(async () => {
    await t?.close();
    vi.restoreAllMocks();
  });

  it('answers 429 to an address past its limit, whatever the requests were, without looking sessions up', async () => {
    const lookups = vi.spyOn(AuthService.prototype, 'authenticate');
    const from = (remoteAddress: string, url: string, method: 'GET' | 'POST' = 'GET') =>
      t.app.inject({
        method,
        url,
        remoteAddress,
        headers: { cookie: 'st_session=made-up-token' },
        ...(method === 'POST' ? { payload: { symbol: '' } } : {}),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await from('10.7.7.7', '/api/v1/watchlist')).statusCode);
    for (let i = 0; i < 3; i++) statuses.push((await from('10.7.7.7', '/api/v1/no-such-route')).statusCode);
    for (let i = 0; i < 3; i++)
      statuses.push((await from('10.7.7.7', '/api/v1/watchlist', 'POST')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 404, 404, 404, 401, 401, 401]);
    const lookupsAtLimit = lookups.mock.calls.length;
    expect(lookupsAtLimit).toBe(10);

    for (let i = 0; i < 200; i++) {
      const response = await from('10.7.7.7', i % 2 ? '/api/v1/watchlist' : '/api/v1/no-such-route');
      expect(response.statusCode).toBe(429);
      expect(response.json().error.code).toBe('rate_limited');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(lookups.mock.calls.length).toBe(lookupsAtLimit);

    // Another address is not affected, and the limited one is served again in the next minute.
    expect((await from('10.8.8.8', '/api/v1/watchlist')).statusCode).toBe(401);
    clock.advance(61_000);
    expect((await from('10.7.7.7', '/api/v1/watchlist')).statusCode).toBe(401);
  });

  it('keeps the probes out of the limit', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.9.9.1' });
      expect(response.statusCode).toBe(200);
    }
  });
});
