import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/market/kernel/periods.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe.each(testDatabaseKinds())('company profiles and logos on %s', (kind) => {
  describe('from Finnhub', () => {
    const fake = new FakeFinnhub();
    const clock = new ManualClock();
    let t: TestApp;
    let client: TestClient;
    beforeAll(async () => {
      await fake.start();
      t = await startTestApp({
        database: kind,
        clock,
        env: { ...fake.appEnv() },
      });
      client = new TestClient(t.app);
      await client.register();
    });
    afterAll(async () => {
      await t.close();
      await fake.stop();
    });

    it('answers with the profile, cached in the database for 7 days', async () => {
      const response = await client.request('GET', '/api/v1/quotes/aapl/profile');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        symbol: 'AAPL',
        name: 'Apple Inc',
        exchange: 'NASDAQ NMS - GLOBAL MARKET',
        currency: 'USD',
        industry: 'Technology',
        country: 'US',
        website: 'https://www.apple.com/',
        ipo: '1980-12-12',
        logoUrl: '/api/v1/quotes/AAPL/logo',
      });
      await client.request('GET', '/api/v1/quotes/AAPL/profile');
      clock.advance(6 * DAY_MS);
      await client.request('GET', '/api/v1/quotes/AAPL/profile');
      expect(fake.count('/stock/profile2', 'AAPL')).toBe(1);
      clock.advance(2 * DAY_MS);
      fake.profiles.set('AAPL', { ...fake.profiles.get('AAPL'), finnhubIndustry: 'Consumer Electronics' });
      expect((await client.request('GET', '/api/v1/quotes/AAPL/profile')).json().industry).toBe(
        'Consumer Electronics',
      );
      expect(fake.count('/stock/profile2', 'AAPL')).toBe(2);
    });

    it('serves the logo from its own origin, fetched from the provider once and without the key', async () => {
      const first = await client.request('GET', '/api/v1/quotes/AAPL/logo');
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toBe('image/png');
      expect(first.headers['content-security-policy']).toContain('sandbox');
      expect(first.rawPayload).toEqual(fake.logos.get('AAPL.png'));
      const again = await client.request('GET', '/api/v1/quotes/AAPL/logo');
      expect(again.rawPayload).toEqual(first.rawPayload);
      const logoRequests = fake.requests.filter((r) => r.path === '/static/logo/AAPL.png');
      expect(logoRequests).toHaveLength(1);
      expect(logoRequests[0]?.headerToken).toBeUndefined();
    });

    it('remembers symbols without a profile, and a plan without access, as empty profiles', async () => {
      const none = await client.request('GET', '/api/v1/quotes/BINANCE:BTCUSDT/profile');
      expect(none.statusCode).toBe(200);
      expect(none.json()).toMatchObject({ symbol: 'BINANCE:BTCUSDT', name: null, logoUrl: null });
      await client.request('GET', '/api/v1/quotes/BINANCE:BTCUSDT/profile');
      // A pair has no company: /stock/profile2 is not even asked.
      expect(fake.count('/stock/profile2', 'BINANCE:BTCUSDT')).toBe(0);
      const premium = await client.request('GET', '/api/v1/quotes/VOD.L/profile');
      expect(premium.statusCode).toBe(200);
      expect(premium.json().name).toBeNull();
      const logo = await client.request('GET', '/api/v1/quotes/VOD.L/logo');
      expect(logo.statusCode).toBe(404);
      expect(logo.json().error.code).toBe('no_logo');
    });

    it('follows logo addresses on Finnhub’s own hosts only', async () => {
      fake.profiles.set('MSFT', {
        name: 'Microsoft Corp',
        ticker: 'MSFT',
        logo: 'http://169.254.169.254/latest/logo.png',
      });
      const profile = (await client.request('GET', '/api/v1/quotes/MSFT/profile')).json();
      expect(profile).toMatchObject({ name: 'Microsoft Corp', logoUrl: null });
      expect((await client.request('GET', '/api/v1/quotes/MSFT/logo')).statusCode).toBe(404);
    });

    it('fetches logos over https only, and follows no redirect away from the checked host', async () => {
      fake.profiles.set('IBM', {
        name: 'IBM',
        ticker: 'IBM',
        logo: 'http://static2.finnhub.io/logo/IBM.png',
      });
      const plain = (await client.request('GET', '/api/v1/quotes/IBM/profile')).json();
      expect(plain).toMatchObject({ name: 'IBM', logoUrl: null });

      const elsewhere: string[] = [];
      const other = createServer((request, response) => {
        elsewhere.push(request.url ?? '');
        response.writeHead(200, { 'Content-Type': 'image/png' }).end(fake.logos.get('AAPL.png'));
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = other.address() as AddressInfo;
        fake.logoRedirects.set('ORCL.png', `http://127.0.0.1:${port}/metadata/logo.png`);
        fake.profiles.set('ORCL', { name: 'Oracle', ticker: 'ORCL', logo: '{url}/static/logo/ORCL.png' });
        const profile = (await client.request('GET', '/api/v1/quotes/ORCL/profile')).json();
        expect(profile.logoUrl).toBe('/api/v1/quotes/ORCL/logo');
        const logo = await client.request('GET', '/api/v1/quotes/ORCL/logo');
        expect(logo.statusCode).toBe(404);
        expect(logo.json().error.code).toBe('no_logo');
        expect(fake.requests.filter((r) => r.path === '/static/logo/ORCL.png')).toHaveLength(1);
        expect(elsewhere).toEqual([]);
      } finally {
        other.closeAllConnections();
        await new Promise((resolve) => other.close(resolve));
      }
    });

    it('keeps showing the stored profile while the provider is down', async () => {
      clock.advance(8 * DAY_MS);
      fake.override('/stock/profile2', { status: 502, body: 'bad gateway' });
      try {
        const response = await client.request('GET', '/api/v1/quotes/AAPL/profile');
        expect(response.statusCode).toBe(200);
        expect(response.json().name).toBe('Apple Inc');
      } finally {
        fake.clear('/stock/profile2');
      }
    });

    it('refuses a malformed symbol and a visitor without a session', async () => {
      const bad = await client.request('GET', '/api/v1/quotes/%24%24/profile');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_symbol');
      expect((await client.request('GET', '/api/v1/quotes/%24%24/logo')).statusCode).toBe(400);
      const anonymous = new TestClient(t.app);
      expect((await anonymous.request('GET', '/api/v1/quotes/AAPL/profile')).statusCode).toBe(401);
      expect((await anonymous.request('GET', '/api/v1/quotes/AAPL/logo')).statusCode).toBe(401);
    });
  });

  describe('from the simulated market', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ database: kind });
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers the same way, with a monogram logo', async () => {
      const client = new TestClient(t.app);
      await client.register();
      const profile = (await client.request('GET', '/api/v1/quotes/7203.T/profile')).json();
      expect(profile).toMatchObject({ symbol: '7203.T', name: 'Toyota Motor Corp', currency: 'JPY' });
      const logo = await client.request('GET', profile.logoUrl);
      expect(logo.headers['content-type']).toBe('image/svg+xml');
      expect(logo.body).toMatch(/^<svg [^>]*>.*>TM<\/text><\/svg>$/);
    });
  });
});
