import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { registerSessionLoading } from './auth/auth.hooks.js';
import { authRoutes } from './auth/auth.routes.js';
import { AuthService } from './auth/auth.service.js';
import { LoginThrottle, type LoginThrottleLimits } from './auth/login-throttle.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { BatchWriter } from './db/batch-writer.js';
import type { DatabaseHandle } from './db/database.js';
import { AppError } from './errors.js';
import { DomainEventBus } from './events.js';
import { BarAggregator } from './history/bar-aggregator.js';
import { mergeBars } from './history/history.repository.js';
import { historyRoutes } from './history/history.routes.js';
import { HistoryService } from './history/history.service.js';
import { HistoryBackfill } from './history/history-backfill.js';
import { registerErrorHandling } from './http/error-handler.js';
import { healthRoutes } from './http/health.routes.js';
import { registerOpenApi } from './http/openapi.js';
import { registerSecurityHeaders, webAssetServing } from './http/security.js';
import { KeyMetricsCache } from './market/prices/key-metrics.js';
import { loadLastQuotes, saveLastQuotes } from './market/prices/last-quote.repository.js';
import { marketRoutes } from './market/prices/market.routes.js';
import { MarketStatusService } from './market/prices/market-status.js';
import { PriceHub } from './market/prices/price-hub.js';
import { SymbolSearch } from './market/prices/symbol-search.js';
import type { Market } from './market/providers/create-market.js';
import { AppMetrics } from './metrics.js';
import { preferencesRoutes } from './preferences/preferences.routes.js';
import { PreferencesService } from './preferences/preferences.service.js';
import { profileRoutes } from './profiles/profile.routes.js';
import { ProfileService } from './profiles/profile.service.js';
import { streamRoutes } from './stream/stream.routes.js';
import { StreamHub, type StreamOptions } from './stream/stream-hub.js';
import { watchlistRoutes } from './watchlist/watchlist.routes.js';
import { WatchlistService } from './watchlist/watchlist.service.js';

export interface RateLimits extends LoginThrottleLimits {
  /** Requests per minute from one address without a session. */
  perAddressPerMinute: number;
  /** Requests per minute from one logged-in user, from any address (the session decides, not the address). */
  perUserPerMinute: number;
  /** Register and login requests per minute from one address. */
  authPerAddressPerMinute: number;
}

export const defaultRateLimits: RateLimits = {
  perAddressPerMinute: 1200,
  perUserPerMinute: 600,
  authPerAddressPerMinute: 30,
  perAccountAndAddress: 5,
  perAddress: 20,
};

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  market: Market;
  /** Shared with the market (it counts REST calls); made here when not given. */
  metrics?: AppMetrics;
  logger: Logger;
  clock?: Clock;
  limits?: Partial<RateLimits>;
  /** Folder of the built front end; not served when absent. */
  webRoot?: string;
  /** How often changed quotes and new price bars are written to the database. */
  flushMs?: number;
  stream?: Partial<Omit<StreamOptions, 'intervalMs'>>;
}

const tooManyRequests = (_request: unknown, context: { ttl: number }) =>
  new AppError('rate_limited', undefined, undefined, Math.max(1, Math.ceil(context.ttl / 1000)));

const SESSION_SWEEP_MS = 60 * 60 * 1000;
const BAR_RETENTION_SWEEP_MS = 60 * 60 * 1000;

/** 16 KiB is far more than any request of this API needs; more is refused with 413. */
const BODY_LIMIT = 16 * 1024;

/** Builds the whole app without listening: `main.ts` listens, tests inject or listen on a loopback port. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database, logger } = deps;
  const { provider, feed } = deps.market;
  const metrics = deps.metrics ?? new AppMetrics();
  metrics.observe({ upstream: () => feed.upstream(), restBudgetRemaining: deps.market.restBudgetRemaining });
  const clock = deps.clock ?? systemClock;
  const limits = { ...defaultRateLimits, ...deps.limits };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const webRoot = deps.webRoot && existsSync(join(deps.webRoot, 'index.html')) ? deps.webRoot : undefined;
  registerErrorHandling(app, { appShell: webRoot !== undefined });

  const events = new DomainEventBus();
  const hub = new PriceHub({
    provider,
    feed,
    clock,
    logger,
    freshMs: config.quoteFreshMs,
    staleAfterMs: Math.max(config.quoteFreshMs, 120_000),
  });
  hub.onUpdate(() => metrics.ticksIngested.inc());
  hub.preload(await loadLastQuotes(database.db));
  const bars = new BarAggregator();
  hub.onTick((symbol, price, time, volume) => bars.add(symbol, price, time, volume));
  const flushMs = deps.flushMs ?? 5000;
  const writers = [
    new BatchWriter({
      what: 'last quotes',
      source: { take: () => hub.takeChanged(), giveBack: (quotes) => hub.giveBackChanged(quotes) },
      write: (quotes) => saveLastQuotes(database.db, quotes, new Date(clock.now())),
      logger,
      intervalMs: flushMs,
      onWrite: (seconds) => metrics.batchWrites.observe({ table: 'last_quotes' }, seconds),
    }),
    new BatchWriter({
      what: 'price bars',
      source: bars,
      write: (partialBars) => mergeBars(database.db, partialBars),
      logger,
      intervalMs: flushMs,
      onWrite: (seconds) => metrics.batchWrites.observe({ table: 'price_bars' }, seconds),
    }),
  ];
  for (const writer of writers) writer.start();

  const auth = new AuthService(database.db, clock, new LoginThrottle(clock, limits), config.sessionTtlMs);
  const marketStatus = new MarketStatusService(provider, clock, logger);
  const keyMetrics = new KeyMetricsCache(provider, clock, logger);
  const watchlist = new WatchlistService(database.db, hub, provider, events, keyMetrics);
  const backfill = new HistoryBackfill(database.db, provider, clock, logger);
  events.on('watchlist.symbolAdded', ({ symbol }) => void backfill.ensure(symbol));
  const history = new HistoryService(database.db, backfill, clock);
  const streams = new StreamHub(hub, events, clock, metrics, {
    intervalMs: config.streamIntervalMs,
    highWaterBytes: 64 * 1024,
    stuckMs: 15_000,
    lanes: 4,
    ...deps.stream,
  });

  await registerSecurityHeaders(app, config);
  await app.register(cookie);
  registerSessionLoading(app, auth, config);
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: (request) => (request.auth ? limits.perUserPerMinute : limits.perAddressPerMinute),
    keyGenerator: (request) => (request.auth ? `user:${request.auth.user.id}` : `address:${request.ip}`),
    timeWindow: 60_000,
    errorResponseBuilder: tooManyRequests,
  });
  await app.register(websocket, { options: { maxPayload: 4096 } });

  await registerOpenApi(app, { config, docsPage: webRoot !== undefined });
  await app.register(healthRoutes, { database, metrics, feedStatus: () => hub.feedStatus() });
  await app.register(
    async (api) => {
      await api.register(authRoutes, { auth, config, limits });
      await api.register(watchlistRoutes, { auth, watchlist });
      await api.register(marketRoutes, {
        auth,
        hub,
        search: new SymbolSearch(provider, clock),
        marketStatus,
        keyMetrics,
      });
      await api.register(streamRoutes, { auth, config, hub, watchlist, streams });
      await api.register(historyRoutes, { auth, hub, history, watchlist });
      await api.register(profileRoutes, {
        auth,
        profiles: new ProfileService(database.db, provider, clock, logger),
      });
      await api.register(preferencesRoutes, { auth, preferences: new PreferencesService(database.db) });
    },
    { prefix: '/api/v1' },
  );

  if (webRoot) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: ['index.html'],
      ...webAssetServing,
    });
  }

  const sessionSweep = setInterval(() => {
    auth
      .deleteExpiredSessions()
      .catch((error: Error) => logger.warn({ reason: error.message }, 'session sweep failed'));
  }, SESSION_SWEEP_MS);
  sessionSweep.unref();
  const pruneMinuteBars = () =>
    history
      .pruneMinuteBars()
      .then((count) => count > 0 && logger.info({ count }, 'deleted 1-minute bars past their retention'))
      .catch((error: Error) => logger.warn({ reason: error.message }, 'deleting old 1-minute bars failed'));
  const barRetention = setInterval(pruneMinuteBars, BAR_RETENTION_SWEEP_MS);
  barRetention.unref();
  void pruneMinuteBars();

  app.addHook('onClose', async () => {
    clearInterval(sessionSweep);
    clearInterval(barRetention);
    marketStatus.stop();
    streams.closeAll();
    await feed.close();
    await Promise.all(writers.map((writer) => writer.stop()));
  });

  return app;
}
