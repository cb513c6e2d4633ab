import { crc32 } from 'node:zlib';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenHash, isWellFormedApiToken, newApiToken } from '../../src/api-tokens/token-format.js';
import { apiTokens, securityEvents } from '../../src/db/schema.js';
import { testDatabaseKinds } from '../support/database.js';
import { StreamClient } from '../support/stream-client.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('the API token format', () => {
  it('is st_, 32 random base62 characters and their CRC32 in 6 base62 characters', () => {
    const token = newApiToken();
    expect(token).toMatch(/^st_[0-9A-Za-z]{38}$/);
    const body = token.slice(3, 35);
    let value = crc32(body);
    let digits = '';
    for (let i = 0; i < 6; i++) {
      digits = BASE62[value % 62] + digits;
      value = Math.floor(value / 62);
    }
    expect(token.slice(35)).toBe(digits);
    expect(isWellFormedApiToken(token)).toBe(true);
  });

  it('refuses a token with a changed character (the checksum), the wrong prefix or length', () => {
    const token = newApiToken();
    const changed = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    expect(isWellFormedApiToken(changed)).toBe(false);
    expect(isWellFormedApiToken(`xx_${token.slice(3)}`)).toBe(false);
    expect(isWellFormedApiToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedApiToken(`${token}a`)).toBe(false);
  });

  it('is different every time', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newApiToken()));
    expect(tokens.size).toBe(200);
  });
});

describe.each(testDatabaseKinds())('personal API tokens on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock, listen: true, limits: { perUserPerMinute: 40 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function signedInUser() {
    const client = new TestClient(t.app);
    const user = await client.register();
    return { client, user };
  }

  async function createToken(client: TestClient, body: Record<string, unknown>) {
    const response = await client.request('POST', '/api/v1/me/tokens', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as {
      token: string;
      id: string;
      name: string;
      scopes: string[];
      expiresAt: string | null;
    };
  }

  /** A request with the token and nothing else: no cookie, no CSRF header. */
  function withToken(
    token: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: object,
  ) {
    return t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body }),
    });
  }

  async function tokenRows(userId: string) {
    const [row] = await t.database.db
      .select({ n: count() })
      .from(apiTokens)
      .where(eq(apiTokens.userId, userId));
    return row?.n ?? 0;
  }

  it('creates a token shown once, stores only its SHA-256, and lists it without the secret', async () => {
    const { client, user } = await signedInUser();
    const created = await createToken(client, { name: 'prices script', scopes: ['read'], expiresInDays: 30 });
    expect(created).toMatchObject({ name: 'prices script', scopes: ['read'] });
    expect(isWellFormedApiToken(created.token)).toBe(true);
    expect(Date.parse(created.expiresAt ?? '')).toBe(clock.now() + 30 * 86_400_000);

    const [row] = await t.database.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row?.tokenHash).toBe(apiTokenHash(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(3));

    const list = await client.request('GET', '/api/v1/me/tokens');
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      {
        id: created.id,
        name: 'prices script',
        scopes: ['read'],
        lastFour: created.token.slice(-4),
        createdAt: new Date(clock.now()).toISOString(),
        lastUsedAt: null,
        expiresAt: created.expiresAt,
      },
    ]);
    expect(list.body).not.toContain(created.token);
    expect(t.logs.join('\n')).not.toContain(created.token);

    const kinds = await t.database.db
      .select({ kind: securityEvents.kind, targetId: securityEvents.targetId })
      .from(securityEvents)
      .where(eq(securityEvents.userId, user.id));
    expect(kinds).toContainEqual({ kind: 'token_created', targetId: created.id });
  });

  it('takes an exact expiry time, and no expiry at all', async () => {
    const { client } = await signedInUser();
    const at = new Date(clock.now() + 3_600_000).toISOString();
    expect((await createToken(client, { name: 'a', scopes: ['read'], expiresAt: at })).expiresAt).toBe(at);
    expect((await createToken(client, { name: 'b', scopes: ['read'] })).expiresAt).toBeNull();
  });

  it.each([
    [{ scopes: ['read'] }, 'name'],
    [{ name: '  ', scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['admin'] }, 'scopes.0'],
    [{ name: 'x', scopes: ['read', 'read'] }, 'scopes'],
    [{ name: 'x', scopes: ['read'], expiresInDays: 0 }, 'expiresInDays'],
    [{ name: 'x', scopes: ['read'], expiresInDays: 1.5 }, 'expiresInDays'],
    [{ name: 'x', scopes: ['read'], expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'x', scopes: ['read'], expiresAt: '2026-02-01T00:00:00Z', expiresInDays: 3 }, 'expiresInDays'],
    [{ name: 'x\u0000', scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: ['read'], extra: true }, 'body'],
  ])('refuses %j naming the field, and writes nothing', async (body, field) => {
    const { client, user } = await signedInUser();
    const response = await client.request('POST', '/api/v1/me/tokens', body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_error');
    expect(Object.keys(response.json().error.fields ?? {})).toContain(field);
    expect(await tokenRows(user.id)).toBe(0);
  });

  it('calls data routes with the token alone: no cookie and no CSRF header, scopes enforced', async () => {
    const { client } = await signedInUser();
    const reader = (await createToken(client, { name: 'r', scopes: ['read'] })).token;
    const writer = (await createToken(client, { name: 'w', scopes: ['read', 'watchlist:write'] })).token;

    const added = await withToken(writer, 'POST', '/api/v1/watchlist', { symbol: 'AAPL' });
    expect(added.statusCode, added.body).toBe(201);
    const list = await withToken(reader, 'GET', '/api/v1/watchlist');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((item: { symbol: string }) => item.symbol)).toEqual(['AAPL']);

    const refused = await withToken(reader, 'DELETE', '/api/v1/watchlist/AAPL');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'insufficient_scope' });
    expect(refused.json().error.message).toContain('watchlist:write');
    const alert = await withToken(writer, 'POST', '/api/v1/alerts', {
      symbol: 'AAPL',
      kind: 'price_above',
      threshold: 1,
    });
    expect(alert.statusCode).toBe(403);
    expect(alert.json().error.message).toContain('alerts:write');
    // The watchlist is as it was.
    expect((await client.request('GET', '/api/v1/watchlist')).json().items).toHaveLength(1);
  });

  it('answers 401 invalid_token for a wrong, malformed, expired or revoked token', async () => {
    const { client } = await signedInUser();
    const expiring = await createToken(client, { name: 'e', scopes: ['read'], expiresInDays: 1 });
    const revoked = await createToken(client, { name: 'r', scopes: ['read'] });
    expect((await client.request('DELETE', `/api/v1/me/tokens/${revoked.id}`)).statusCode).toBe(204);
    expect((await withToken(expiring.token, 'GET', '/api/v1/watchlist')).statusCode).toBe(200);
    const before = clock.now();
    clock.advance(86_400_000);
    try {
      for (const token of [expiring.token, revoked.token, newApiToken(), 'st_short', 'not-a-token', '']) {
        const response = await withToken(token, 'GET', '/api/v1/watchlist');
        expect(response.statusCode, token).toBe(401);
        expect(response.json().error.code, token).toBe('invalid_token');
      }
    } finally {
      clock.advance(before - clock.now());
    }
  });

  it('never lets a token manage the account, and ignores the cookie when a token is sent', async () => {
    const { client } = await signedInUser();
    const token = (
      await createToken(client, {
        name: 'all',
        scopes: ['read', 'watchlist:write', 'portfolio:write', 'alerts:write'],
      })
    ).token;
    for (const [method, url, body] of [
      ['GET', '/api/v1/me/tokens', undefined],
      ['POST', '/api/v1/me/tokens', { name: 'more', scopes: ['read'] }],
      ['GET', '/api/v1/auth/session', undefined],
      ['POST', '/api/v1/auth/logout', undefined],
    ] as const) {
      const response = await withToken(token, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
    // The session's cookie beside a token does not make it a session request.
    const both = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/tokens',
      headers: { authorization: `Bearer ${token}`, cookie: client.cookie ?? '' },
    });
    expect(both.statusCode).toBe(401);
    // The cookie alone still needs its CSRF header on a write.
    const cookieOnly = await client.request(
      'POST',
      '/api/v1/watchlist',
      { symbol: 'MSFT' },
      { 'x-csrf-token': 'wrong' },
    );
    expect(cookieOnly.statusCode).toBe(403);
    expect(cookieOnly.json().error.code).toBe('csrf_failed');
  });

  it('revokes at once, only the owner, and logs it', async () => {
    const { client, user } = await signedInUser();
    const other = await signedInUser();
    const created = await createToken(client, { name: 'x', scopes: ['read'] });
    const notTheirs = await other.client.request('DELETE', `/api/v1/me/tokens/${created.id}`);
    expect(notTheirs.statusCode).toBe(404);
    expect(notTheirs.json().error.code).toBe('token_not_found');
    expect((await other.client.request('GET', '/api/v1/me/tokens')).json().items).toEqual([]);
    expect((await withToken(created.token, 'GET', '/api/v1/watchlist')).statusCode).toBe(200);

    expect((await client.request('DELETE', `/api/v1/me/tokens/${created.id}`)).statusCode).toBe(204);
    expect((await withToken(created.token, 'GET', '/api/v1/watchlist')).statusCode).toBe(401);
    expect((await client.request('DELETE', `/api/v1/me/tokens/${created.id}`)).statusCode).toBe(404);
    const kinds = await t.database.db
      .select({ kind: securityEvents.kind })
      .from(securityEvents)
      .where(eq(securityEvents.userId, user.id));
    expect(kinds.map((row) => row.kind)).toContain('token_revoked');
  });

  it('writes lastUsedAt at most once a minute', async () => {
    const { client } = await signedInUser();
    const created = await createToken(client, { name: 'x', scopes: ['read'] });
    const lastUsed = async () =>
      (await client.request('GET', '/api/v1/me/tokens')).json().items[0].lastUsedAt as string | null;
    const first = clock.now();
    await withToken(created.token, 'GET', '/api/v1/watchlist');
    expect(await lastUsed()).toBe(new Date(first).toISOString());
    clock.advance(30_000);
    await withToken(created.token, 'GET', '/api/v1/watchlist');
    expect(await lastUsed()).toBe(new Date(first).toISOString());
    clock.advance(30_000);
    await withToken(created.token, 'GET', '/api/v1/watchlist');
    expect(await lastUsed()).toBe(new Date(first + 60_000).toISOString());
  });

  it('counts the request limit per token, apart from the session and other tokens', async () => {
    clock.advance(60_000);
    const { client } = await signedInUser();
    const first = (await createToken(client, { name: '1', scopes: ['read'] })).token;
    const second = (await createToken(client, { name: '2', scopes: ['read'] })).token;
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++)
      statuses.push((await withToken(first, 'GET', '/api/v1/market/status')).statusCode);
    expect(statuses.slice(0, 40).every((status) => status === 200)).toBe(true);
    expect(statuses[40]).toBe(429);
    expect((await withToken(second, 'GET', '/api/v1/market/status')).statusCode).toBe(200);
    expect((await client.request('GET', '/api/v1/market/status')).statusCode).toBe(200);
  });

  it('streams prices to a script with a read token, and closes the stream when it is revoked', async () => {
    const { client } = await signedInUser();
    await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
    const created = await createToken(client, { name: 'stream', scopes: ['read'] });
    const stream = await StreamClient.connect(t.baseUrl, { authorization: `Bearer ${created.token}` });
    const snapshot = await stream.next((frame) => frame.type === 'snapshot');
    expect(snapshot.quotes?.map((quote) => quote.symbol)).toEqual(['AAPL']);
    const closed = new Promise<number>((resolve) => stream.socket.once('close', (code) => resolve(code)));
    expect((await client.request('DELETE', `/api/v1/me/tokens/${created.id}`)).statusCode).toBe(204);
    expect(await closed).toBe(1008);
    await expect(
      StreamClient.connect(t.baseUrl, { authorization: `Bearer ${created.token}` }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
