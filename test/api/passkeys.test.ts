import { count, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { oneTimeTokens, passkeys, securityEvents, users } from '../../src/db/schema.js';
import { testDatabaseKinds } from '../support/database.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import {
  ManualClock,
  startTestApp,
  type TestApp,
  type TestAppOptions,
  TestClient,
} from '../support/test-app.js';

/** app.inject's requests are to `localhost:80`: without PUBLIC_URL that is the relying party. */
const ORIGIN = 'http://localhost';

/** The user's passkeys or challenges: the suite's apps are shared, so counts are per user. */
async function rowsOf(
  database: DatabaseHandle,
  table: typeof passkeys | typeof oneTimeTokens,
  userId: string,
) {
  const [row] = await database.db.select({ n: count() }).from(table).where(eq(table.userId, userId));
  return row?.n ?? 0;
}

async function securityKinds(database: DatabaseHandle, userId: string) {
  const found = await database.db
    .select({ kind: securityEvents.kind, detail: securityEvents.detail })
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId));
  return found;
}

describe.each(testDatabaseKinds())('passkeys on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  // One app for the tests that need no settings of their own (an app on PGlite takes seconds to
  // start); every user, passkey and challenge is a test's own.
  let shared: TestApp;
  beforeAll(async () => {
    shared = await startTestApp({ database: kind });
  });
  afterAll(async () => {
    await shared?.close();
  });

  async function start(options?: Partial<TestAppOptions>) {
    if (!options) return shared;
    const t: TestApp = await startTestApp({ database: kind, ...options });
    cleanups.push(() => t.close());
    return t;
  }

  /** A signed-in user with an authenticator at `origin`. */
  async function signedInUser(t: TestApp, origin = ORIGIN) {
    const client = new TestClient(t.app);
    const user = await client.register();
    return { client, user, authenticator: new SoftwareAuthenticator(origin) };
  }

  async function addPasskey(client: TestClient, authenticator: SoftwareAuthenticator, name = 'Phone') {
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    expect(options.statusCode).toBe(200);
    const response = authenticator.register(options.json());
    const verified = await client.request('POST', '/api/v1/me/passkeys/register/verify', { name, response });
    expect(verified.statusCode, verified.body).toBe(201);
    return verified.json().passkey as { id: string; name: string };
  }

  async function passkeyLogin(client: TestClient, answer: (options: never) => unknown) {
    const options = await client.request('POST', '/api/v1/auth/passkeys/login/options');
    expect(options.statusCode).toBe(200);
    const response = answer(options.json() as never);
    return {
      body: { response },
      result: await client.request('POST', '/api/v1/auth/passkeys/login/verify', { response }),
    };
  }

  it('adds passkeys in settings: discoverable, user verification preferred, the existing ones excluded, logged', async () => {
    const t = await start();
    const { client, user, authenticator } = await signedInUser(t);

    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    expect(options.statusCode).toBe(200);
    expect(options.json()).toMatchObject({
      rp: { name: 'Stock Tracker', id: 'localhost' },
      user: { id: Buffer.from(user.id).toString('base64url'), name: user.username },
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'preferred',
      },
      excludeCredentials: [],
      attestation: 'none',
      timeout: 300_000,
    });
    // The challenge is stored only as its hash.
    const challenge = options.json().challenge as string;
    const stored = await t.database.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.userId, user.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ purpose: 'passkey_register', userId: user.id });
    expect(stored[0]?.tokenHash).not.toContain(challenge);

    const response = authenticator.register(options.json());
    const verified = await client.request('POST', '/api/v1/me/passkeys/register/verify', {
      name: '  Phone  ',
      response,
    });
    expect(verified.statusCode, verified.body).toBe(201);
    const passkey = verified.json().passkey;
    expect(passkey).toEqual({
      id: response.id,
      name: 'Phone',
      createdAt: expect.any(String),
      lastUsedAt: null,
      deviceType: 'singleDevice',
      backedUp: false,
    });
    // The challenge is used up.
    expect(await rowsOf(t.database, oneTimeTokens, user.id)).toBe(0);

    const laptop = await addPasskey(client, authenticator, 'Laptop');
    const listed = await client.request('GET', '/api/v1/me/passkeys');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.map((p: { name: string }) => p.name)).toEqual(['Phone', 'Laptop']);

    const again = await client.request('POST', '/api/v1/me/passkeys/register/options');
    expect(again.json().excludeCredentials).toEqual([
      { id: passkey.id, type: 'public-key', transports: ['internal'] },
      { id: laptop.id, type: 'public-key', transports: ['internal'] },
    ]);
    expect(await securityKinds(t.database, user.id)).toEqual([
      { kind: 'passkey_added', detail: { name: 'Phone', deviceType: 'singleDevice' } },
      { kind: 'passkey_added', detail: { name: 'Laptop', deviceType: 'singleDevice' } },
    ]);
  });

  it('signs in with a passkey instead of the password: the same cookie and answer as a login, the counter kept', async () => {
    const t = await start();
    const { client: owner, user, authenticator } = await signedInUser(t);
    const passkey = await addPasskey(owner, authenticator);

    const visitor = new TestClient(t.app);
    const options = await visitor.request('POST', '/api/v1/auth/passkeys/login/options');
    expect(options.statusCode).toBe(200);
    expect(options.json()).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.json()).not.toHaveProperty('allowCredentials');

    const response = authenticator.authenticate(options.json());
    const signedIn = await visitor.request('POST', '/api/v1/auth/passkeys/login/verify', { response });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json()).toEqual({
      user: { id: user.id, username: user.username, email: user.email, role: user.role },
      csrfToken: expect.any(String),
    });
    const cookie = signedIn.cookies.find((c) => c.name === 'st_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // The session is a full one: no second step, writes allowed with its CSRF token.
    const session = await visitor.request('GET', '/api/v1/auth/session');
    expect(session.json().user.id).toBe(user.id);
    expect((await visitor.request('GET', '/api/v1/me/passkeys')).statusCode).toBe(200);

    const [row] = await t.database.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(row?.counter).toBe(1);
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
    expect(await securityKinds(t.database, user.id)).toContainEqual({
      kind: 'login_succeeded',
      detail: { method: 'passkey', passkey: 'Phone' },
    });

    // A second sign-in moves the counter on.
    const second = await passkeyLogin(new TestClient(t.app), (o) => authenticator.authenticate(o));
    expect(second.result.statusCode).toBe(200);
    const [after] = await t.database.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(after?.counter).toBe(2);
  });

  it('refuses a replayed sign-in or registration: the challenge is used once', async () => {
    const t = await start();
    const { client, authenticator } = await signedInUser(t);
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    const response = authenticator.register(options.json());
    const body = { name: 'Phone', response };
    expect((await client.request('POST', '/api/v1/me/passkeys/register/verify', body)).statusCode).toBe(201);
    const replayedRegistration = await client.request('POST', '/api/v1/me/passkeys/register/verify', body);
    expect(replayedRegistration.statusCode).toBe(400);
    expect(replayedRegistration.json().error.code).toBe('passkey_challenge_invalid');

    const visitor = new TestClient(t.app);
    const first = await passkeyLogin(visitor, (o) => authenticator.authenticate(o));
    expect(first.result.statusCode).toBe(200);
    const attacker = new TestClient(t.app);
    const replayed = await attacker.request('POST', '/api/v1/auth/passkeys/login/verify', first.body);
    expect(replayed.statusCode).toBe(400);
    expect(replayed.json().error.code).toBe('passkey_challenge_invalid');
    expect(attacker.cookie).toBeUndefined();
  });

  it('refuses a challenge after five minutes', async () => {
    const clock = new ManualClock();
    const t = await start({ clock });
    const { client, authenticator } = await signedInUser(t);
    await addPasskey(client, authenticator);
    const visitor = new TestClient(t.app);
    const options = await visitor.request('POST', '/api/v1/auth/passkeys/login/options');
    clock.advance(5 * 60 * 1000 + 1);
    const late = await visitor.request('POST', '/api/v1/auth/passkeys/login/verify', {
      response: authenticator.authenticate(options.json()),
    });
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('passkey_challenge_invalid');
    expect(visitor.cookie).toBeUndefined();
  });

  it('refuses a signature counter that went backwards (a cloned authenticator), logging the failure', async () => {
    const t = await start();
    const { client, user, authenticator } = await signedInUser(t);
    const passkey = await addPasskey(client, authenticator);
    expect(
      (await passkeyLogin(new TestClient(t.app), (o) => authenticator.authenticate(o))).result.statusCode,
    ).toBe(200);
    authenticator.setCounter(passkey.id, 0);
    const visitor = new TestClient(t.app);
    const { result } = await passkeyLogin(visitor, (o) => authenticator.authenticate(o));
    expect(result.statusCode).toBe(401);
    expect(result.json().error.code).toBe('passkey_login_failed');
    expect(visitor.cookie).toBeUndefined();
    const [row] = await t.database.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(row?.counter).toBe(1);
    expect((await securityKinds(t.database, user.id)).map((e) => e.kind)).toContain('login_failed');
  });

  it('refuses another origin, at registration and at sign-in', async () => {
    const t = await start();
    const { client, user, authenticator } = await signedInUser(t);
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    const phished = await client.request('POST', '/api/v1/me/passkeys/register/verify', {
      name: 'Phone',
      response: authenticator.register(options.json(), { origin: 'https://stock-tracker.example.net' }),
    });
    expect(phished.statusCode).toBe(400);
    expect(phished.json().error.code).toBe('passkey_verification_failed');
    expect(await rowsOf(t.database, passkeys, user.id)).toBe(0);

    const passkey = await addPasskey(client, authenticator);
    const visitor = new TestClient(t.app);
    const { result } = await passkeyLogin(visitor, (o) =>
      authenticator.authenticate(o, {
        origin: 'https://stock-tracker.example.net',
        credentialId: passkey.id,
      }),
    );
    expect(result.statusCode).toBe(401);
    expect(result.json().error.code).toBe('passkey_login_failed');
    expect(visitor.cookie).toBeUndefined();
  });

  it('refuses an authenticator that did not verify the user: a passkey stands for both factors', async () => {
    const t = await start();
    const { client, authenticator } = await signedInUser(t);
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    const unverified = await client.request('POST', '/api/v1/me/passkeys/register/verify', {
      name: 'Key',
      response: authenticator.register(options.json(), { userVerified: false }),
    });
    expect(unverified.statusCode).toBe(400);
    expect(unverified.json().error.code).toBe('passkey_verification_failed');

    const passkey = await addPasskey(client, authenticator);
    const { result } = await passkeyLogin(new TestClient(t.app), (o) =>
      authenticator.authenticate(o, { userVerified: false, credentialId: passkey.id }),
    );
    expect(result.statusCode).toBe(401);
    expect(result.json().error.code).toBe('passkey_login_failed');
  });

  it('answers 401 passkey_unknown for a passkey this server does not know, or one removed', async () => {
    const t = await start();
    const stranger = new SoftwareAuthenticator(ORIGIN);
    stranger.register({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'c29tZW9uZQ' } });
    const { result } = await passkeyLogin(new TestClient(t.app), (o) => stranger.authenticate(o));
    expect(result.statusCode).toBe(401);
    expect(result.json().error.code).toBe('passkey_unknown');

    const { client, user, authenticator } = await signedInUser(t);
    const passkey = await addPasskey(client, authenticator);
    const removed = await client.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`);
    expect(removed.statusCode).toBe(204);
    expect(await securityKinds(t.database, user.id)).toContainEqual({
      kind: 'passkey_removed',
      detail: { name: 'Phone' },
    });
    const afterRemoval = await passkeyLogin(new TestClient(t.app), (o) => authenticator.authenticate(o));
    expect(afterRemoval.result.statusCode).toBe(401);
    expect(afterRemoval.result.json().error.code).toBe('passkey_unknown');
  });

  it('renames and removes only your own passkeys: another user’s is 404 and unchanged', async () => {
    const t = await start();
    const { client: alice, authenticator } = await signedInUser(t);
    const passkey = await addPasskey(alice, authenticator);
    const { client: bob } = await signedInUser(t);

    expect((await bob.request('GET', '/api/v1/me/passkeys')).json().items).toEqual([]);
    const rename = await bob.request('PATCH', `/api/v1/me/passkeys/${passkey.id}`, { name: 'Mine now' });
    expect(rename.statusCode).toBe(404);
    expect(rename.json().error.code).toBe('passkey_not_found');
    const remove = await bob.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`);
    expect(remove.statusCode).toBe(404);

    const [row] = await t.database.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(row?.name).toBe('Phone');

    const renamed = await alice.request('PATCH', `/api/v1/me/passkeys/${passkey.id}`, { name: 'Work phone' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().passkey).toMatchObject({ id: passkey.id, name: 'Work phone' });
    expect((await alice.request('GET', '/api/v1/me/passkeys')).json().items[0].name).toBe('Work phone');
  });

  it('needs the session (and its CSRF token) for the passkey list and changes', async () => {
    const t = await start();
    const anonymous = new TestClient(t.app);
    for (const [method, url] of [
      ['GET', '/api/v1/me/passkeys'],
      ['POST', '/api/v1/me/passkeys/register/options'],
      ['POST', '/api/v1/me/passkeys/register/verify'],
      ['PATCH', '/api/v1/me/passkeys/abc'],
      ['DELETE', '/api/v1/me/passkeys/abc'],
    ] as const) {
      const answer = await anonymous.request(method, url, method === 'PATCH' ? { name: 'x' } : undefined);
      expect(answer.statusCode, `${method} ${url}`).toBe(401);
    }
    const { client, user } = await signedInUser(t);
    const noCsrf = await client.request('POST', '/api/v1/me/passkeys/register/options', undefined, {
      'x-csrf-token': '',
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf_failed');
    expect(await rowsOf(t.database, oneTimeTokens, user.id)).toBe(0);
  });

  it('answers bad input with a 4xx and writes nothing', async () => {
    const t = await start();
    const { client, user, authenticator } = await signedInUser(t);
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    const response = authenticator.register(options.json());
    const verify = (body: unknown) => client.request('POST', '/api/v1/me/passkeys/register/verify', body);
    const notJson = Buffer.from('not json').toString('base64url');
    const cases: Array<[string, unknown, number, string]> = [
      ['no body', undefined, 400, 'validation_error'],
      ['no name', { response }, 400, 'validation_error'],
      ['a blank name', { name: '   ', response }, 400, 'validation_error'],
      ['a control character', { name: 'Pho\u0007ne', response }, 400, 'validation_error'],
      ['a name too long', { name: 'x'.repeat(101), response }, 400, 'validation_error'],
      ['no response', { name: 'Phone' }, 400, 'validation_error'],
      [
        'not base64url',
        { name: 'Phone', response: { ...response, id: 'not base64!' } },
        400,
        'validation_error',
      ],
      [
        'another type',
        { name: 'Phone', response: { ...response, type: 'password' } },
        400,
        'validation_error',
      ],
      [
        'unreadable client data',
        {
          name: 'Phone',
          response: { ...response, response: { ...response.response, clientDataJSON: notJson } },
        },
        400,
        'passkey_verification_failed',
      ],
      [
        'a challenge this server never gave',
        {
          name: 'Phone',
          response: authenticator.register({ ...options.json(), challenge: 'bm90LWdpdmVu' }),
        },
        400,
        'passkey_challenge_invalid',
      ],
      [
        'a garbled attestation',
        {
          name: 'Phone',
          response: { ...response, response: { ...response.response, attestationObject: 'AAAA' } },
        },
        400,
        'passkey_verification_failed',
      ],
      [
        'mismatched ids',
        { name: 'Phone', response: { ...response, rawId: 'AAAA' } },
        400,
        'passkey_verification_failed',
      ],
    ];
    for (const [what, body, status, code] of cases) {
      const answer = await verify(body);
      expect(answer.statusCode, what).toBe(status);
      expect(answer.json().error.code, what).toBe(code);
    }
    // Another user cannot answer this user's registration challenge.
    const { client: other } = await signedInUser(t);
    const stolen = await other.request('POST', '/api/v1/me/passkeys/register/verify', {
      name: 'Phone',
      response,
    });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json().error.code).toBe('passkey_challenge_invalid');
    // A sign-in challenge does not register, a registration answer does not sign in.
    const visitor = new TestClient(t.app);
    const loginOptions = await visitor.request('POST', '/api/v1/auth/passkeys/login/options');
    const crossed = await verify({
      name: 'Phone',
      response: authenticator.register({ ...options.json(), challenge: loginOptions.json().challenge }),
    });
    expect(crossed.json().error.code).toBe('passkey_challenge_invalid');
    const loginWithRegistration = await visitor.request('POST', '/api/v1/auth/passkeys/login/verify', {
      response,
    });
    expect(loginWithRegistration.statusCode).toBe(400);
    expect(loginWithRegistration.json().error.code).toBe('validation_error');
    for (const [what, id] of [
      ['not base64url', 'not%20base64'],
      ['unknown', 'AAAA'],
    ]) {
      const rename = await client.request('PATCH', `/api/v1/me/passkeys/${id}`, { name: 'x' });
      expect(rename.statusCode, what).toBe(what === 'unknown' ? 404 : 400);
    }
    const extra = await client.request('PATCH', '/api/v1/me/passkeys/AAAA', { name: 'x', counter: 0 });
    expect(extra.statusCode).toBe(400);

    expect(await rowsOf(t.database, passkeys, user.id)).toBe(0);
    // Both challenges are still there, unused: a failed answer uses up nothing.
    expect(await rowsOf(t.database, oneTimeTokens, user.id)).toBe(1);
    const loginChallenge = await t.database.db
      .select()
      .from(oneTimeTokens)
      .where(eq(oneTimeTokens.tokenHash, hashToken(loginOptions.json().challenge)));
    expect(loginChallenge).toHaveLength(1);
    expect(await securityKinds(t.database, user.id)).toEqual([]);
    // And the right answer still works afterwards.
    expect((await verify({ name: 'Phone', response })).statusCode).toBe(201);
  });

  it('does not sign a disabled account in', async () => {
    const t = await start();
    const { client, user, authenticator } = await signedInUser(t);
    await addPasskey(client, authenticator);
    await t.database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    const visitor = new TestClient(t.app);
    const { result } = await passkeyLogin(visitor, (o) => authenticator.authenticate(o));
    expect(result.statusCode).toBe(403);
    expect(result.json().error.code).toBe('account_disabled');
    expect(visitor.cookie).toBeUndefined();
  });

  it('takes the relying party from PUBLIC_URL when it is set: its hostname and origin', async () => {
    const t = await start({ env: { PUBLIC_URL: 'https://stocks.example.com' } });
    const { client, authenticator } = await signedInUser(t, 'https://stocks.example.com');
    const options = await client.request('POST', '/api/v1/me/passkeys/register/options');
    expect(options.json().rp).toEqual({ name: 'Stock Tracker', id: 'stocks.example.com' });
    await addPasskey(client, authenticator);

    const visitor = new TestClient(t.app);
    const origin = { origin: 'https://stocks.example.com' };
    const loginOptions = await visitor.request(
      'POST',
      '/api/v1/auth/passkeys/login/options',
      undefined,
      origin,
    );
    expect(loginOptions.json().rpId).toBe('stocks.example.com');
    const signedIn = await visitor.request(
      'POST',
      '/api/v1/auth/passkeys/login/verify',
      { response: authenticator.authenticate(loginOptions.json()) },
      origin,
    );
    expect(signedIn.statusCode).toBe(200);
    // The request's own host (localhost) is not the relying party.
    const local = new SoftwareAuthenticator(ORIGIN);
    const second = await client.request('POST', '/api/v1/me/passkeys/register/options');
    const wrong = await client.request('POST', '/api/v1/me/passkeys/register/verify', {
      name: 'Local',
      response: local.register(second.json(), { origin: ORIGIN }),
    });
    expect(wrong.statusCode).toBe(400);
    // A page of another site cannot even ask for a sign-in challenge.
    const crossSite = await visitor.request('POST', '/api/v1/auth/passkeys/login/options', undefined, {
      origin: 'https://evil.example',
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe('forbidden_origin');
  });

  it('counts passkey sign-in attempts with logins, per address', async () => {
    const t = await start({ limits: { authPerAddressPerMinute: 3 } });
    const visitor = new TestClient(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await visitor.request('POST', '/api/v1/auth/passkeys/login/options')).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const login = await visitor.request('POST', '/api/v1/auth/login', { username: 'nobody', password: 'x' });
    expect(login.statusCode).toBe(429);
    expect(
      await t.database.db
        .select({ n: count() })
        .from(oneTimeTokens)
        .where(eq(oneTimeTokens.purpose, 'passkey_login')),
    ).toEqual([{ n: 3 }]);
  });
});
