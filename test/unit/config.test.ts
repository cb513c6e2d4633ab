import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, withDotEnv } from '../../src/config.js';

describe('configuration', () => {
  it('works with no variables at all: PGlite in ./data, simulated market, port 8000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: join(process.cwd(), 'data') });
    expect(config.market).toEqual({ kind: 'simulated', seed: 42 });
    expect(config.secureCookies).toBe(false);
  });

  it('uses a PostgreSQL server with DATABASE_URL and Finnhub with FINNHUB_API_KEY', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:pw@db.internal:5432/stocks',
      FINNHUB_API_KEY: 'abc123',
      FINNHUB_API_URL: 'http://127.0.0.1:9999/api/v1/',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://app:pw@db.internal:5432/stocks' });
    expect(config.market).toMatchObject({
      kind: 'live',
      finnhub: { apiKey: 'abc123', apiUrl: 'http://127.0.0.1:9999/api/v1', restPerMinute: 55 },
    });
  });

  describe('market data sources', () => {
    const live = (env: Record<string, string>) => {
      const { market } = loadConfig(env);
      if (market.kind !== 'live') throw new Error(`expected live market data, got ${market.kind}`);
      return market;
    };

    it('runs live on the keyless sources alone with MARKET_DATA=live and no key', () => {
      const market = live({ MARKET_DATA: 'live' });
      expect(market.finnhub).toBeUndefined();
      expect(market.yahoo?.apiUrl).toBe('https://query1.finance.yahoo.com');
      expect(market.binance?.wsUrl).toBe('wss://stream.binance.com:9443/ws');
      expect(market.order.daily_history).toEqual(['yahoo', 'binance']);
      expect(market.order.live_trades).toEqual(['binance']);
      expect(market.order.profile).toEqual([]);
    });

    it('keeps the simulated market without a key unless told, and with one when told', () => {
      expect(loadConfig({}).market.kind).toBe('simulated');
      expect(loadConfig({ FINNHUB_API_KEY: 'k', MARKET_DATA: 'simulated' }).market.kind).toBe('simulated');
    });

    it('orders each capability by default, keeping only the sources that are on', () => {
      const market = live({ FINNHUB_API_KEY: 'k', ALPHA_VANTAGE_API_KEY: 'av', BINANCE_STREAM: 'off' });
      expect(market.order.quotes).toEqual(['finnhub', 'yahoo', 'alphavantage']);
      expect(market.order.daily_history).toEqual(['yahoo', 'finnhub', 'alphavantage']);
      expect(market.alphaVantage).toMatchObject({ apiKey: 'av', apiUrl: 'https://www.alphavantage.co' });
      expect(market.binance).toBeUndefined();
    });

    it('takes an order per capability from SOURCES_<CAPABILITY>', () => {
      const market = live({ FINNHUB_API_KEY: 'k', SOURCES_DAILY_HISTORY: 'finnhub, Yahoo' });
      expect(market.order.daily_history).toEqual(['finnhub', 'yahoo']);
    });

    it('stops the start on a bad value, naming the variable', () => {
      expect(() => loadConfig({ FINNHUB_API_KEY: 'k', SOURCES_QUOTES: 'finnhub,bloomberg' })).toThrow(
        /SOURCES_QUOTES: "bloomberg" is no source/,
      );
      expect(() => loadConfig({ FINNHUB_API_KEY: 'k', SOURCES_PROFILE: 'binance' })).toThrow(
        /SOURCES_PROFILE: Binance does not serve profile/,
      );
      expect(() => loadConfig({ MARKET_DATA: 'live', YAHOO_FINANCE: 'off', BINANCE_STREAM: 'off' })).toThrow(
        /MARKET_DATA=live needs at least one source/,
      );
      expect(() => loadConfig({ MARKET_DATA: 'real' })).toThrow(ConfigError);
      expect(() => loadConfig({ YAHOO_API_URL: 'ftp://example.com' })).toThrow(/YAHOO_API_URL/);
    });
  });

  it('takes REGISTRATION open (the default), invite or closed', () => {
    expect(loadConfig({}).registration).toBe('open');
    expect(loadConfig({ REGISTRATION: 'invite' }).registration).toBe('invite');
    expect(loadConfig({ REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(() => loadConfig({ REGISTRATION: 'shut' })).toThrow(
      'REGISTRATION: must be open, invite or closed',
    );
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['FINNHUB_API_URL', 'not a url'],
    ['FINNHUB_WS_URL', 'http://ws.example'],
    ['STREAM_INTERVAL_MS', '-5'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['REGISTRATION', 'invite-only'],
  ])('stops with a message naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('makes a cluster member with REDIS_URL, and refuses one on the embedded PGlite, saying why', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL.*DATABASE_URL/s);
    expect(() =>
      loadConfig({ REDIS_URL: 'http://127.0.0.1:6379', DATABASE_URL: 'postgres://x@h/db' }),
    ).toThrow(ConfigError);
    const config = loadConfig({
      REDIS_URL: 'redis://:secret@cache:6379',
      DATABASE_URL: 'postgres://app@db/stocks',
      INSTANCE_ID: 'web-1',
    });
    expect(config.redis).toEqual({ url: 'redis://:secret@cache:6379', prefix: 'stocktracker:' });
    expect(config.instanceId).toBe('web-1');
    const line = describeConfig(config, 'http://localhost:8000');
    expect(line).toContain('cluster member web-1');
    expect(line).not.toContain('secret');
    expect(() => loadConfig({ INSTANCE_ID: 'has space' })).toThrow(/INSTANCE_ID/);
  });

  it('refuses to start in production without an https PUBLIC_URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL must be set in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://stocks.example' })).toThrow(
      /https/,
    );
    const config = loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://stocks.example' });
    expect(config.secureCookies).toBe(true);
  });

  it('reads .env without overriding variables already set in the environment', () => {
    const folder = mkdtempSync(join(tmpdir(), 'st-env-'));
    const file = join(folder, '.env');
    writeFileSync(file, 'FINNHUB_API_KEY=from-file\nPORT=9001\n# comment\nLOG_LEVEL="warn"\n');
    const env = withDotEnv({ PORT: '7000' }, file);
    expect(env).toMatchObject({ FINNHUB_API_KEY: 'from-file', PORT: '7000', LOG_LEVEL: 'warn' });
    expect(withDotEnv({ A: '1' }, join(folder, 'missing.env'))).toEqual({ A: '1' });
  });

  it('describes database, market data and URL in one line, without credentials', () => {
    const line = describeConfig(
      loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db:5432/stocks', FINNHUB_API_KEY: 'key-123' }),
      'http://localhost:8000',
    );
    expect(line).toContain('http://localhost:8000');
    expect(line).toContain('PostgreSQL at postgres://app:***@db:5432/stocks');
    expect(line).toContain('Finnhub');
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain('key-123');
    expect(line.split('\n')).toHaveLength(1);
  });
});
