import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/database.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/** NUL (PostgreSQL refuses it in text), BEL, ESC, DEL and a C1 control. */
const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085'].map(
  (control) => [control.codePointAt(0)?.toString(16).padStart(4, '0').toUpperCase(), control] as const,
);

describe.each(testDatabaseKinds())('text fields with control characters on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ database: kind });
  });
  afterAll(async () => {
    await t?.close();
  });

  const countRows = async (table: 'users' | 'sessions') => {
    const result = await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
    return Number((result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n);
  };

  const expectRefused = (response: { statusCode: number; json(): unknown }, field: string) => {
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'validation_error',
        message: expect.any(String),
        fields: {
          [field]: expect.arrayContaining([expect.stringMatching(/may not contain control characters/)]),
        },
      },
    });
  };

  it.each(CONTROLS)(
    'refuses a login whose username holds U+%s with 400, not 500, and opens no session',
    async (_code, control) => {
      const client = new TestClient(t.app);
      const { username, password } = await client.register();
      const sessions = await countRows('sessions');
      const response = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
        username: `${username}${control}`,
        password,
      });
      expectRefused(response, 'username');
      expect(await countRows('sessions')).toBe(sessions);
    },
  );

  it('takes any character in the password a login offers (it is only hashed, never stored): a wrong one is 401', async () => {
    const client = new TestClient(t.app);
    const { username, password } = await client.register();
    const sessions = await countRows('sessions');
    const response = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
      username,
      password: `${password}\u0000\t`,
    });
    expect(response.statusCode).toBe(401);
    expect(await countRows('sessions')).toBe(sessions);
  });

  it('refuses a registration with a control character in any field, and writes no user', async () => {
    const users = await countRows('users');
    const valid = { username: 'grace', email: 'grace@example.com', password: 'plover-quartz-harbour-91' };
    for (const field of ['username', 'email', 'password'] as const) {
      const response = await new TestClient(t.app).request('POST', '/api/v1/auth/register', {
        ...valid,
        [field]: `${valid[field].slice(0, 3)}\u0000${valid[field].slice(3)}`,
      });
      expectRefused(response, field);
    }
    expect(await countRows('users')).toBe(users);
  });

  it('refuses a watchlist symbol with a control character, and adds nothing', async () => {
    const client = new TestClient(t.app);
    await client.register();
    expectRefused(await client.request('POST', '/api/v1/portfolio', { symbol: 'AAPL\u0000' }), 'symbol');
    const list = await client.request('GET', '/api/v1/portfolio');
    expect(list.json()).toEqual({ items: [] });
  });

  it('refuses a search or a quote address with a control character', async () => {
    const client = new TestClient(t.app);
    await client.register();
    expectRefused(await client.request('GET', '/api/v1/symbols/search?q=app%00le'), 'q');
    expectRefused(await client.request('GET', '/api/v1/quotes/AAPL%00'), 'symbol');
  });

  it('refuses preferences with a control character, and keeps the saved ones', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const before = (await client.request('GET', '/api/v1/preferences')).json();
    const response = await client.request('PUT', '/api/v1/preferences', {
      watchlist: { columns: ['price\u0000'], sort: { column: 'symbol', direction: 'asc' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_error');
    expect((await client.request('GET', '/api/v1/preferences')).json()).toEqual(before);
  });
});
