import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens.js';
import { TOTP_STEP_SECONDS, totpCode, totpStep } from '../../src/auth/totp.js';
import { selectRows } from '../../src/db/database.js';
import { testDatabaseKinds } from '../support/database.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const STEP_MS = TOTP_STEP_SECONDS * 1000;

describe.each(testDatabaseKinds())('two-factor sign-in on %s', (kind) => {
  let t: TestApp;
  // A fixed clock: the codes a test computes are the codes of the server's time step.
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:05Z'));

  beforeAll(async () => {
    t = await startTestApp({ database: kind, clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const codeAt = (secret: string, offsetSteps = 0) => totpCode(secret, totpStep(clock.now()) + offsetSteps);
  /** Moves the clock to the start of the next time step: a fresh code, not yet used. */
  const nextStep = () => clock.advance(STEP_MS - (clock.now() % STEP_MS) + 1000);

  const userRow = async (id: string) => {
    const [row] = await selectRows<{ totp_secret: string | null; totp_pending_secret: string | null }>(
      t.database.db,
      sql`select totp_secret, totp_pending_secret from users where id = ${id}`,
    );
    return row;
  };
  const countOf = async (query: ReturnType<typeof sql>) =>
    Number((await selectRows<{ n: number }>(t.database.db, query))[0]?.n);
  const sessionsOf = (userId: string) =>
    countOf(sql`select count(*)::int as n from sessions where user_id = ${userId}`);
  const logKinds = async (userId: string) =>
    (
      await selectRows<{ kind: string; detail: unknown }>(
        t.database.db,
        sql`select kind, detail from security_events where user_id = ${userId} order by created_at, kind`,
      )
    ).map((row) => row.kind);

  /** A user with two-factor on: their client is still signed in. */
  async function enabledUser() {
    const client = new TestClient(t.app);
    const user = await client.register();
    const setup = (await client.request('POST', '/api/v1/me/2fa/setup')).json();
    const enabled = await client.request('POST', '/api/v1/me/2fa/enable', { code: codeAt(setup.secret) });
    expect(enabled.statusCode).toBe(200);
    nextStep();
    return {
      client,
      user,
      secret: setup.secret as string,
      recoveryCodes: enabled.json().recoveryCodes as string[],
    };
  }

  async function passwordStep(user: { username: string; password: string }) {
    const client = new TestClient(t.app);
    const response = await client.request('POST', '/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    return { client, response };
  }

  it('sets up with a new secret for the app, as an otpauth URI and a QR code, kept pending until confirmed', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    expect((await client.request('GET', '/api/v1/me/2fa')).json()).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
    });

    const response = await client.request('POST', '/api/v1/me/2fa/setup');
    expect(response.statusCode).toBe(200);
    const { secret, otpauthUrl, qrCode } = response.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toMatch(new RegExp(`^otpauth://totp/Stock%20Tracker:${user.username}\\?`));
    expect(Object.fromEntries(new URL(otpauthUrl).searchParams)).toMatchObject({
      issuer: 'Stock Tracker',
      secret,
      period: '30',
      digits: '6',
    });
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrCode.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(await userRow(user.id)).toEqual({ totp_secret: null, totp_pending_secret: secret });

    // Asking again replaces the pending secret.
    const again = (await client.request('POST', '/api/v1/me/2fa/setup')).json();
    expect(again.secret).not.toBe(secret);
    expect(await userRow(user.id)).toEqual({ totp_secret: null, totp_pending_secret: again.secret });
  });

  it('enables only with a right code, answering ten recovery codes once and keeping only their hashes', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();

    const notSetUp = await client.request('POST', '/api/v1/me/2fa/enable', { code: '123456' });
    expect(notSetUp.statusCode).toBe(409);
    expect(notSetUp.json().error.code).toBe('two_factor_not_set_up');

    const { secret } = (await client.request('POST', '/api/v1/me/2fa/setup')).json();
    for (const [body, status, code] of [
      [{ code: '12ab56' }, 400, 'validation_error'],
      [{ code: '1234567' }, 400, 'validation_error'],
      [{}, 400, 'validation_error'],
      [{ code: codeAt(secret, -2) }, 400, 'invalid_code'],
      [{ code: codeAt(secret, 2) }, 400, 'invalid_code'],
    ] as const) {
      const response = await client.request('POST', '/api/v1/me/2fa/enable', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    expect(await userRow(user.id)).toEqual({ totp_secret: null, totp_pending_secret: secret });
    expect(await countOf(sql`select count(*)::int as n from recovery_codes where user_id = ${user.id}`)).toBe(
      0,
    );

    const enabled = await client.request('POST', '/api/v1/me/2fa/enable', { code: codeAt(secret) });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(await userRow(user.id)).toEqual({ totp_secret: secret, totp_pending_secret: null });
    const stored = await selectRows<{ code_hash: string }>(
      t.database.db,
      sql`select code_hash from recovery_codes where user_id = ${user.id}`,
    );
    expect(stored).toHaveLength(10);
    for (const { code_hash } of stored) expect(recoveryCodes).not.toContain(code_hash);

    expect((await client.request('GET', '/api/v1/me/2fa')).json()).toEqual({
      enabled: true,
      enabledAt: new Date(clock.now()).toISOString(),
      recoveryCodesLeft: 10,
    });
    expect(await logKinds(user.id)).toContain('totp_enabled');

    for (const path of ['/api/v1/me/2fa/setup', '/api/v1/me/2fa/enable']) {
      const response = await client.request('POST', path, { code: codeAt(secret) });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('two_factor_already_enabled');
    }
  });

  it('asks for a code after the password, with no session until it is right', async () => {
    const { user, secret } = await enabledUser();
    const sessionsBefore = await sessionsOf(user.id);

    const { client, response } = await passwordStep(user);
    expect(response.statusCode).toBe(200);
    const { twoFactorRequired, pendingToken } = response.json();
    expect(response.json()).toEqual({ twoFactorRequired: true, pendingToken: expect.any(String) });
    expect(twoFactorRequired).toBe(true);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(client.cookie).toBeUndefined();
    expect(await sessionsOf(user.id)).toBe(sessionsBefore);
    // The pending token is kept hashed, for five minutes.
    const [pending] = await selectRows<{ token_hash: string; expires_at: Date | string }>(
      t.database.db,
      sql`select token_hash, expires_at from one_time_tokens where purpose = 'login_2fa' and user_id = ${user.id}`,
    );
    expect(pending?.token_hash).toBe(hashToken(pendingToken));
    expect(new Date(pending?.expires_at ?? 0).getTime()).toBe(clock.now() + 5 * 60_000);

    const wrong = await client.request('POST', '/api/v1/auth/login/2fa', { pendingToken, code: '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('invalid_code');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(await sessionsOf(user.id)).toBe(sessionsBefore);

    const done = await client.request('POST', '/api/v1/auth/login/2fa', {
      pendingToken,
      code: codeAt(secret),
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({
      user: { id: user.id, username: user.username, email: user.email, role: user.role },
      csrfToken: expect.any(String),
    });
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    expect(await sessionsOf(user.id)).toBe(sessionsBefore + 1);
    // Completed once: the pending token is spent.
    const again = await new TestClient(t.app).request('POST', '/api/v1/auth/login/2fa', {
      pendingToken,
      code: codeAt(secret, 1),
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('pending_login_expired');

    const log = await selectRows<{ kind: string; detail: { method?: string } | null }>(
      t.database.db,
      sql`select kind, detail from security_events where user_id = ${user.id} and kind like 'login_%' order by created_at`,
    );
    expect(log.map((row) => [row.kind, row.detail?.method])).toEqual([
      ['login_failed', 'totp'],
      ['login_succeeded', 'password+totp'],
    ]);
  });

  it('accepts the code of the current step and one either side, never one used before', async () => {
    const { user, secret } = await enabledUser();
    const attempt = async (code: string) => {
      const { client, response } = await passwordStep(user);
      return client.request('POST', '/api/v1/auth/login/2fa', {
        pendingToken: response.json().pendingToken,
        code,
      });
    };

    // The step the enabling code used is behind: the previous step is one not used yet.
    nextStep();
    expect((await attempt(codeAt(secret, -2))).json().error.code).toBe('invalid_code');
    expect((await attempt(codeAt(secret, 2))).json().error.code).toBe('invalid_code');
    const previous = codeAt(secret, -1);
    expect((await attempt(previous)).statusCode).toBe(200);
    // The same code again (replay), and a code of a step at or before the one used: refused.
    expect((await attempt(previous)).json().error.code).toBe('invalid_code');
    nextStep();
    const current = codeAt(secret);
    expect((await attempt(codeAt(secret, 1))).statusCode).toBe(200);
    expect((await attempt(current)).json().error.code).toBe('invalid_code');
    nextStep();
    nextStep();
    expect((await attempt(codeAt(secret))).statusCode).toBe(200);
  });

  it('lets one of two logins racing with the same code in, not both', async () => {
    const { user, secret } = await enabledUser();
    const first = await passwordStep(user);
    const second = await passwordStep(user);
    const code = codeAt(secret);
    const answers = await Promise.all(
      [first, second].map(({ client, response }) =>
        client.request('POST', '/api/v1/auth/login/2fa', {
          pendingToken: response.json().pendingToken,
          code,
        }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 400]);
  });

  it('takes each recovery code once instead of a TOTP', async () => {
    const { user, recoveryCodes } = await enabledUser();
    const [first] = recoveryCodes;
    if (!first) throw new Error('no recovery code');
    const withCode = async (code: string) => {
      const { client, response } = await passwordStep(user);
      const answer = await client.request('POST', '/api/v1/auth/login/2fa', {
        pendingToken: response.json().pendingToken,
        code,
      });
      return { client, answer };
    };

    // Typed in capitals, without dashes: the same code.
    const { client, answer } = await withCode(first.replaceAll('-', '').toUpperCase());
    expect(answer.statusCode).toBe(200);
    expect((await client.request('GET', '/api/v1/me/2fa')).json().recoveryCodesLeft).toBe(9);
    expect((await withCode(first)).answer.json().error.code).toBe('invalid_code');
    expect((await withCode('aaaa-bbbb-cccc-dddd')).answer.json().error.code).toBe('invalid_code');
    const log = await selectRows<{ kind: string; detail: { method?: string } | null }>(
      t.database.db,
      sql`select kind, detail from security_events where user_id = ${user.id} order by created_at, kind`,
    );
    expect(log.map((row) => row.kind)).toContain('recovery_code_used');
    expect(log.filter((row) => row.kind === 'login_succeeded').map((row) => row.detail?.method)).toEqual([
      'password+recovery_code',
    ]);
  });

  it('ends a pending login after five wrong codes, and after five minutes', async () => {
    const { user, secret } = await enabledUser();
    const { client, response } = await passwordStep(user);
    const { pendingToken } = response.json();
    for (let i = 0; i < 5; i++) {
      const wrong = await client.request('POST', '/api/v1/auth/login/2fa', { pendingToken, code: '999999' });
      expect(wrong.json().error.code).toBe('invalid_code');
    }
    const dead = await client.request('POST', '/api/v1/auth/login/2fa', {
      pendingToken,
      code: codeAt(secret),
    });
    expect(dead.statusCode).toBe(401);
    expect(dead.json().error.code).toBe('pending_login_expired');
    expect(client.cookie).toBeUndefined();

    const late = await passwordStep(user);
    clock.advance(5 * 60_000 + 1);
    const expired = await late.client.request('POST', '/api/v1/auth/login/2fa', {
      pendingToken: late.response.json().pendingToken,
      code: codeAt(secret),
    });
    expect(expired.json().error.code).toBe('pending_login_expired');
    expect(late.client.cookie).toBeUndefined();
  });

  it.each([
    ['no body', undefined, 'validation_error', 400],
    ['no code', { pendingToken: 'x' }, 'validation_error', 400],
    ['an empty code', { pendingToken: 'x', code: '' }, 'validation_error', 400],
    ['a control character', { pendingToken: 'x\u0000', code: '123456' }, 'validation_error', 400],
    ['an unknown pending token', { pendingToken: 'made-up', code: '123456' }, 'pending_login_expired', 401],
  ])('refuses a second step with %s, writing nothing', async (_label, body, code, status) => {
    const before = await countOf(sql`select count(*)::int as n from sessions`);
    const response = await new TestClient(t.app).request('POST', '/api/v1/auth/login/2fa', body);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect(await countOf(sql`select count(*)::int as n from sessions`)).toBe(before);
  });

  it('turns off only with the password and a code, then the password alone signs in', async () => {
    const { client, user, secret, recoveryCodes } = await enabledUser();
    for (const [body, status, code] of [
      [{ password: user.password }, 400, 'validation_error'],
      [{ code: codeAt(secret) }, 400, 'validation_error'],
      [{ password: 'not-the-password-at-all', code: codeAt(secret) }, 403, 'wrong_password'],
      [{ password: user.password, code: '000000' }, 400, 'invalid_code'],
      [{ password: user.password, code: 'zzzz-zzzz-zzzz-zzzz' }, 400, 'invalid_code'],
    ] as const) {
      const response = await client.request('POST', '/api/v1/me/2fa/disable', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    expect((await userRow(user.id))?.totp_secret).toBe(secret);
    expect(await logKinds(user.id)).not.toContain('totp_disabled');

    const off = await client.request('POST', '/api/v1/me/2fa/disable', {
      password: user.password,
      code: recoveryCodes[3],
    });
    expect(off.statusCode).toBe(204);
    expect(await userRow(user.id)).toEqual({ totp_secret: null, totp_pending_secret: null });
    expect(await countOf(sql`select count(*)::int as n from recovery_codes where user_id = ${user.id}`)).toBe(
      0,
    );
    expect(await logKinds(user.id)).toEqual(expect.arrayContaining(['recovery_code_used', 'totp_disabled']));

    const notOn = await client.request('POST', '/api/v1/me/2fa/disable', {
      password: user.password,
      code: codeAt(secret),
    });
    expect(notOn.statusCode).toBe(409);
    expect(notOn.json().error.code).toBe('two_factor_not_enabled');

    const { response } = await passwordStep(user);
    expect(response.json()).toEqual({
      user: expect.objectContaining({ id: user.id }),
      csrfToken: expect.any(String),
    });
  });

  it('needs a session and the CSRF token on every /me/2fa route', async () => {
    const anonymous = new TestClient(t.app);
    for (const [method, path] of [
      ['GET', '/api/v1/me/2fa'],
      ['POST', '/api/v1/me/2fa/setup'],
      ['POST', '/api/v1/me/2fa/enable'],
      ['POST', '/api/v1/me/2fa/disable'],
    ] as const) {
      expect((await anonymous.request(method, path, method === 'GET' ? undefined : {})).statusCode).toBe(401);
    }
    const client = new TestClient(t.app);
    const user = await client.register();
    const noCsrf = await client.request('POST', '/api/v1/me/2fa/setup', undefined, {
      'x-csrf-token': 'wrong',
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(await userRow(user.id)).toEqual({ totp_secret: null, totp_pending_secret: null });
  });
});

describe('wrong codes count like failed logins', () => {
  it('answers 429 once the throttle is spent, before looking at the code', async () => {
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:05Z'));
    const t = await startTestApp({ database: 'pglite', clock, limits: { perAccountAndAddress: 3 } });
    try {
      const client = new TestClient(t.app);
      const user = await client.register();
      const { secret } = (await client.request('POST', '/api/v1/me/2fa/setup')).json();
      await client.request('POST', '/api/v1/me/2fa/enable', {
        code: totpCode(secret, totpStep(clock.now())),
      });
      clock.advance(TOTP_STEP_SECONDS * 1000);

      const login = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      const { pendingToken } = login.json();
      for (let i = 0; i < 3; i++) {
        const wrong = await client.request('POST', '/api/v1/auth/login/2fa', {
          pendingToken,
          code: '000000',
        });
        expect(wrong.json().error.code).toBe('invalid_code');
      }
      const right = totpCode(secret, totpStep(clock.now()));
      const limited = await client.request('POST', '/api/v1/auth/login/2fa', { pendingToken, code: right });
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      // The password step of that account is throttled too: a right password does not reset it.
      const password = await new TestClient(t.app).request('POST', '/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      expect(password.statusCode).toBe(429);

      clock.advance(61_000);
      const later = await new TestClient(t.app).request('POST', '/api/v1/auth/login/2fa', {
        pendingToken,
        code: totpCode(secret, totpStep(clock.now())),
      });
      expect(later.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
