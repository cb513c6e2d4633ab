import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRole, singleInstance } from '../../src/cluster/cluster.js';
import { DrainState } from '../../src/drain-state.js';
import { openTestDatabase, testDatabaseKinds } from '../support/database.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe('security headers', () => {
  let dev: TestApp;
  let prod: TestApp;
  beforeAll(async () => {
    dev = await startTestApp({ database: 'pglite' });
    prod = await startTestApp({
      database: 'pglite',
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://stocks.example' },
    });
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it.each(['/healthz', '/api/v1/watchlist', '/api/v1/portfolio', '/api/v1/does-not-exist'])(
    'sets a strict CSP and framing rules on %s',
    async (url) => {
      const response = await dev.app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc).toBe("'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('same-origin');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    },
  );

  it('adds HSTS and Secure, __Host- session cookies in production', async () => {
    const client = new TestClient(prod.app);
    const response = await client.request(
      'POST',
      '/api/v1/auth/register',
      { username: 'prod_user', email: 'prod@example.com', password: 'plover-quartz-harbour-91' },
      { host: 'stocks.example', origin: 'https://stocks.example' },
    );
    expect(response.statusCode).toBe(201);
    expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    const cookie = response.cookies.find((c) => c.name === '__Host-st_session');
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('judges Origin against PUBLIC_URL when it is set', async () => {
    const response = await new TestClient(prod.app).request(
      'POST',
      '/api/v1/auth/login',
      { username: 'prod_user', password: 'plover-quartz-harbour-91' },
      { host: 'stocks.example', origin: 'https://evil.example' },
    );
    expect(response.statusCode).toBe(403);
  });
});

describe.each(testDatabaseKinds())('health and readiness on %s', (kind) => {
  it('answers /healthz while running and /readyz only while the database answers', async () => {
    const database = await openTestDatabase(kind);
    const t = await startTestApp({ database });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await database.close();
    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().error.code).toBe('not_ready');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await t.app.close();
  });

  it('names the instance and its role, and answers /readyz 503 once the instance drains', async () => {
    let role: ClusterRole = 'single';
    const cluster = { ...singleInstance('web-7'), role: () => role };
    const drain = new DrainState();
    const t = await startTestApp({ database: kind, cluster, drain });
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok', instance: 'web-7', role: 'single' });
    role = 'leader';
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json().role).toBe('leader');

    drain.start();
    const draining = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json().error).toEqual({ code: 'not_ready', message: 'This instance is shutting down.' });
    // Still alive: an orchestrator must not restart a process that is finishing its work.
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await t.close();
  });
});

describe('the instance name', () => {
  it('is INSTANCE_ID when set, else the host name and process id', async () => {
    const named = await startTestApp({ database: 'pglite', env: { INSTANCE_ID: 'eu-1.a' } });
    expect((await named.app.inject({ method: 'GET', url: '/healthz' })).json().instance).toBe('eu-1.a');
    await named.close();
    const unnamed = await startTestApp({ database: 'pglite' });
    expect((await unnamed.app.inject({ method: 'GET', url: '/healthz' })).json().instance).toBe(
      `${hostname()}-${process.pid}`,
    );
    await unnamed.close();
  });
});
