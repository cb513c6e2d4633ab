import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type AppDeps, buildApp } from '../../src/app.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { RateLimits } from '../../src/http/request-limits.js';
import { createLogger } from '../../src/logger.js';
import { createMarket, type Market } from '../../src/market/providers/create-market.js';
import { AppMetrics } from '../../src/metrics.js';
import { type DatabaseKind, openTestDatabase } from './database.js';

export interface TestAppOptions {
  database: DatabaseKind | DatabaseHandle;
  /** Extra environment for loadConfig, e.g. FINNHUB_API_KEY and FINNHUB_API_URL for the fake server. */
  env?: Record<string, string>;
  limits?: Partial<RateLimits>;
  clock?: Clock;
  /** Replace the market built from config (to count or script what the hub asks for). */
  market?: Market;
  stream?: AppDeps['stream'];
  listen?: boolean;
  webRoot?: string;
  flushMs?: number;
  /** A cluster membership to read the role from; by default one process on its own. */
  cluster?: AppDeps['cluster'];
  /** To drain it as SIGTERM does. */
  drain?: AppDeps['drain'];
}

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  /** Every log line the app wrote, as JSON text: tests look for secrets in them. */
  logs: string[];
  /** http://127.0.0.1:PORT when started with listen: true. */
  baseUrl: string;
  close(): Promise<void>;
}

/** Generous limits so suites that make many requests from 127.0.0.1 test behaviour, not the limiter. */
const relaxedLimits: RateLimits = {
  perAddressPerMinute: 100_000,
  perUserPerMinute: 100_000,
  authPerAddressPerMinute: 100_000,
  perAccountAndAddress: 1000,
  perAddress: 1000,
};

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const database =
    typeof options.database === 'string' ? await openTestDatabase(options.database) : options.database;
  // The keyless sources are on by default with real data; a test turns them on with a fake's URL.
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: '/nonexistent-unused',
    YAHOO_FINANCE: 'off',
    BINANCE_STREAM: 'off',
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const clock = options.clock ?? systemClock;
  const metrics = new AppMetrics();
  const market = options.market ?? createMarket(config.market, clock, logger, metrics);
  const deps: AppDeps = {
    config,
    database,
    market,
    metrics,
    stream: options.stream,
    logger,
    clock,
    limits: { ...relaxedLimits, ...options.limits },
    webRoot: options.webRoot,
    flushMs: options.flushMs,
    cluster: options.cluster,
    drain: options.drain,
  };
  const app = await buildApp(deps);
  let baseUrl = '';
  if (options.listen) baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app,
    database,
    logs,
    baseUrl,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

let userCounter = 0;

/** A browser-like client over app.inject: keeps the session cookie and sends the CSRF token. */
export class TestClient {
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(private readonly app: FastifyInstance) {}

  async request(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const allHeaders: Record<string, string> = { ...headers };
    if (this.cookie) allHeaders.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET' && !('x-csrf-token' in headers))
      allHeaders['x-csrf-token'] = this.csrfToken;
    const response = await this.app.inject({
      method,
      url,
      headers: allHeaders,
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { payload: body }
          : { payload: body as object }),
    });
    const setCookie = response.cookies.find((c) => c.name === 'st_session' || c.name === '__Host-st_session');
    if (setCookie) this.cookie = setCookie.value ? `${setCookie.name}=${setCookie.value}` : undefined;
    const json = String(response.headers['content-type'] ?? '').includes('json')
      ? safeJson(response.body)
      : undefined;
    if (json && typeof json === 'object' && 'csrfToken' in json) this.csrfToken = String(json.csrfToken);
    return response;
  }

  /** Registers (and so logs in) a fresh user, from a browser of `userAgent` if given; returns its credentials. */
  async register(
    overrides: Partial<{ username: string; email: string; password: string }> = {},
    userAgent?: string,
  ) {
    userCounter++;
    const credentials = {
      username: `user${userCounter}_${process.pid}`,
      email: `user${userCounter}_${process.pid}@example.com`,
      password: 'plover-quartz-harbour-91',
      ...overrides,
    };
    const response = await this.request(
      'POST',
      '/api/v1/auth/register',
      credentials,
      userAgent === undefined ? {} : { 'user-agent': userAgent },
    );
    if (response.statusCode !== 201)
      throw new Error(`register failed: ${response.statusCode} ${response.body}`);
    const { user } = response.json() as { user: { id: string; role: 'admin' | 'user' } };
    return { ...credentials, id: user.id, role: user.role };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-01-05T15:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
