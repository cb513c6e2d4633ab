import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectRows } from '../../src/db/database.js';
import { testDatabaseKinds } from '../support/database.js';
import { type ReceivedMail, startSmtpServer } from '../support/delivery-fakes.js';
import { StreamClient } from '../support/stream-client.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const HOUR = 60 * 60 * 1000;
const NEW_PASSWORD = 'granite-lantern-orchid-52';

/** The mail's text with quoted-printable undone (soft line breaks, `=XX` escapes). */
function decoded(mail: ReceivedMail): string {
  return mail.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The token of the link to `path` in the mail. */
function tokenIn(mail: ReceivedMail | undefined, path: string): string {
  const match = new RegExp(`https://stocks\\.example\\.com${path}#token=([A-Za-z0-9_-]+)`).exec(
    mail ? decoded(mail) : '',
  );
  if (!match?.[1]) throw new Error(`no ${path} link in the mail`);
  return match[1];
}

const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 5000, interval: 25 });

describe.each(testDatabaseKinds())('password reset and address confirmation by email on %s', (kind) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      database: kind,
      clock,
      listen: true,
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Stock Tracker <accounts@example.com>',
        PUBLIC_URL: 'https://stocks.example.com',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const mailsTo = (address: string, subject: string) =>
    smtp.mails.filter((mail) => mail.to.includes(address) && mail.raw.includes(`Subject: ${subject}`));
  const resetMails = (address: string) => mailsTo(address, 'Reset your Stock Tracker password');
  const confirmMails = (address: string) => mailsTo(address, 'Confirm your email address');
  const tokenRows = async () =>
    Number(
      (await selectRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from one_time_tokens`))[0]
        ?.n,
    );
  const anonymous = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    new TestClient(t.app).request(method, url, body);

  /** A registered user, their confirmation mail already received. */
  async function registered() {
    const client = new TestClient(t.app);
    const user = await client.register();
    await waitFor(() => expect(confirmMails(user.email)).toHaveLength(1));
    return { client, user };
  }

  it('says passwords can be reset by email', async () => {
    const answer = await anonymous('GET', '/api/v1/auth/password-reset');
    expect(answer.json()).toEqual({ available: true });
  });

  it('mails a reset link that sets a new password once, ending every session and its streams', async () => {
    const { client, user } = await registered();
    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    const closed = new Promise((resolve) => stream.socket.once('close', resolve));

    const asked = await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email.toUpperCase() });
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toBe('');
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(1));
    const mail = resetMails(user.email)[0];
    expect(mail?.from).toBe('accounts@example.com');
    expect(decoded(mail as ReceivedMail)).toContain(user.username);
    const token = tokenIn(mail, '/reset-password');
    const stored = await selectRows<{ token_hash: string }>(
      t.database.db,
      sql`select token_hash from one_time_tokens where purpose = 'password_reset'`,
    );
    expect(stored.map((row) => row.token_hash)).not.toContain(token);

    const confirmed = await anonymous('POST', '/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(confirmed.statusCode).toBe(204);
    expect(await closed).toBe(4001);
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const login = (password: string) =>
      anonymous('POST', '/api/v1/auth/login', { username: user.username, password });
    expect((await login(user.password)).statusCode).toBe(401);
    expect((await login(NEW_PASSWORD)).statusCode).toBe(200);

    const again = await anonymous('POST', '/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: 'another-fine-password-77',
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_link');
    expect((await login(NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('answers an unknown address exactly as a known one, and mails nothing', async () => {
    const { user } = await registered();
    const before = smtp.mails.length;
    const known = await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email });
    const unknown = await anonymous('POST', '/api/v1/auth/password-reset', { email: 'nobody@example.com' });
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    const { date: _knownDate, ...knownHeaders } = known.headers;
    const { date: _unknownDate, ...unknownHeaders } = unknown.headers;
    expect(unknownHeaders).toEqual(knownHeaders);
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.length).toBe(before + 1);
    expect(smtp.mails.some((mail) => mail.to.includes('nobody@example.com'))).toBe(false);
  });

  it('a reset link expires after an hour', async () => {
    const { user } = await registered();
    await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email });
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(1));
    const token = tokenIn(resetMails(user.email)[0], '/reset-password');
    clock.advance(HOUR + 1000);
    const late = await anonymous('POST', '/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('invalid_link');
    const login = await anonymous('POST', '/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(200);
  });

  it('mails one link a minute at most, so the form cannot flood a mailbox', async () => {
    const { user } = await registered();
    for (let i = 0; i < 3; i++) {
      expect((await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email })).statusCode).toBe(
        202,
      );
    }
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resetMails(user.email)).toHaveLength(1);
    clock.advance(61_000);
    await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email });
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(2));
  });

  it('refuses a weak new password without using the link up', async () => {
    const { user } = await registered();
    await anonymous('POST', '/api/v1/auth/password-reset', { email: user.email });
    await waitFor(() => expect(resetMails(user.email)).toHaveLength(1));
    const token = tokenIn(resetMails(user.email)[0], '/reset-password');
    const weak = await anonymous('POST', '/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: 'password123',
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.fields.newPassword).toContain('This password is too common.');
    const good = await anonymous('POST', '/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(good.statusCode).toBe(204);
  });

  it('answers bad input to the reset and confirmation routes with 400, writing nothing', async () => {
    const before = await tokenRows();
    const mailsBefore = smtp.mails.length;
    const cases: Array<[string, unknown]> = [
      ['/api/v1/auth/password-reset', {}],
      ['/api/v1/auth/password-reset', { email: 'not-an-address' }],
      ['/api/v1/auth/password-reset', { email: 42 }],
      ['/api/v1/auth/password-reset', { email: `${'a'.repeat(250)}@example.com` }],
      ['/api/v1/auth/password-reset/confirm', { newPassword: NEW_PASSWORD }],
      ['/api/v1/auth/password-reset/confirm', { token: 'short', newPassword: NEW_PASSWORD }],
      [
        '/api/v1/auth/password-reset/confirm',
        { token: 'has spaces and ! marks in it here', newPassword: NEW_PASSWORD },
      ],
      ['/api/v1/auth/password-reset/confirm', { token: 'A'.repeat(43) }],
      ['/api/v1/auth/verify-email', {}],
      ['/api/v1/auth/verify-email', { token: ['A'.repeat(43)] }],
    ];
    for (const [url, body] of cases) {
      const response = await anonymous('POST', url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(response.json().error.code).toBe('validation_error');
    }
    for (const url of ['/api/v1/auth/password-reset/confirm', '/api/v1/auth/verify-email']) {
      const unknown = await anonymous('POST', url, { token: 'A'.repeat(43), newPassword: NEW_PASSWORD });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.code).toBe('invalid_link');
    }
    const crossSite = await new TestClient(t.app).request(
      'POST',
      '/api/v1/auth/password-reset',
      { email: 'someone@example.com' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.statusCode).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await tokenRows()).toBe(before);
    expect(smtp.mails.length).toBe(mailsBefore);
  });

  it('mails an address confirmation at registration; the link confirms it once', async () => {
    const { client, user } = await registered();
    const status = async () => (await client.request('GET', '/api/v1/me/email-verification')).json();
    expect(await status()).toEqual({ email: user.email, verified: false, available: true });
    const token = tokenIn(confirmMails(user.email)[0], '/verify-email');

    // Opened in another browser, signed in or not.
    const confirmed = await anonymous('POST', '/api/v1/auth/verify-email', { token });
    expect(confirmed.statusCode).toBe(204);
    expect(await status()).toEqual({ email: user.email, verified: true, available: true });
    const again = await anonymous('POST', '/api/v1/auth/verify-email', { token });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_link');
    const kinds = (await client.request('GET', '/api/v1/me/security-log'))
      .json()
      .items.map((item: { kind: string }) => item.kind);
    expect(kinds).toContain('email_verified');

    // Confirmed: "send again" sends nothing.
    expect((await client.request('POST', '/api/v1/me/email-verification')).statusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(confirmMails(user.email)).toHaveLength(1);
  });

  it('sends the confirmation again on request (a minute after the last), and that link expires after an hour', async () => {
    const { client, user } = await registered();
    clock.advance(61_000);
    expect((await client.request('POST', '/api/v1/me/email-verification')).statusCode).toBe(202);
    await waitFor(() => expect(confirmMails(user.email)).toHaveLength(2));
    const token = tokenIn(confirmMails(user.email)[1], '/verify-email');
    clock.advance(HOUR + 1000);
    const late = await anonymous('POST', '/api/v1/auth/verify-email', { token });
    expect(late.json().error.code).toBe('invalid_link');
    expect((await client.request('GET', '/api/v1/me/email-verification')).json().verified).toBe(false);
  });
});

describe('account email without SMTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says reset is unavailable and answers every email route 409 email_not_configured', async () => {
    const anonymous = new TestClient(t.app);
    expect((await anonymous.request('GET', '/api/v1/auth/password-reset')).json()).toEqual({
      available: false,
    });
    for (const [url, body] of [
      ['/api/v1/auth/password-reset', { email: 'someone@example.com' }],
      ['/api/v1/auth/password-reset/confirm', { token: 'A'.repeat(43), newPassword: NEW_PASSWORD }],
      ['/api/v1/auth/verify-email', { token: 'A'.repeat(43) }],
    ] as const) {
      const response = await anonymous.request('POST', url, body);
      expect(response.statusCode, url).toBe(409);
      expect(response.json().error.code).toBe('email_not_configured');
    }
    const client = new TestClient(t.app);
    const user = await client.register();
    expect((await client.request('GET', '/api/v1/me/email-verification')).json()).toEqual({
      email: user.email,
      verified: false,
      available: false,
    });
    const resend = await client.request('POST', '/api/v1/me/email-verification');
    expect(resend.statusCode).toBe(409);
    expect(resend.json().error.code).toBe('email_not_configured');
  });
});
