import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { accountDataModule } from './account-data/account-data.module.js';
import { adminModule } from './admin/admin.module.js';
import { alertsModule } from './alerts/alerts.module.js';
import { apiTokensModule } from './api-tokens/api-tokens.module.js';
import { requireAccess } from './auth/access.js';
import { accountModule } from './auth/account.module.js';
import { authModule } from './auth/auth.module.js';
import { sessionCookieName } from './auth/session-cookie.js';
import { type Clock, systemClock } from './clock.js';
import { type ClusterView, singleInstance } from './cluster/cluster.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import { deliveryModule } from './delivery/delivery.module.js';
import { DrainState } from './drain-state.js';
import { DomainEventBus } from './events.js';
import { healthModule } from './health/health.module.js';
import { historyModule } from './history/history.module.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerOpenApi } from './http/openapi.js';
import {
  defaultRateLimits,
  type RateLimits,
  RequestCounter,
  registerAddressLimit,
} from './http/request-limits.js';
import { responseSerializer } from './http/response-serializer.js';
import { registerSecurityHeaders, webAssetServing } from './http/security.js';
import type { Market } from './market/providers/create-market.js';
import { AppMetrics } from './metrics.js';
import { ModuleHost } from './module-host.js';
import { notificationsModule } from './notifications/notifications.module.js';
import { passkeysModule } from './passkeys/passkeys.module.js';
import { importsModule } from './portfolio/imports/imports.module.js';
import { performanceModule } from './portfolio/performance/performance.module.js';
import { portfolioModule } from './portfolio/portfolio.module.js';
import { preferencesModule } from './preferences/preferences.module.js';
import { pricesModule } from './prices/prices.module.js';
import { profilesModule } from './profiles/profiles.module.js';
import { streamModule } from './stream/stream.module.js';
import type { StreamOptions } from './stream/stream-hub.js';
import { watchlistModule } from './watchlist/watchlist.module.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  market: Market;
  /** Shared with the market (it counts REST calls); made here when not given. */
  metrics?: AppMetrics;
  logger: Logger;
  clock?: Clock;
  /** Defaults: `defaultRateLimits`, with the per-address limit from the configuration. */
  limits?: Partial<RateLimits>;
  /** Folder of the built front end; not served when absent. */
  webRoot?: string;
  /** How often changed quotes and new price bars are written to the database. */
  flushMs?: number;
  stream?: Partial<Omit<StreamOptions, 'intervalMs'>>;
  /** This process's place in a cluster; one process on its own when not given. */
  cluster?: ClusterView;
  /** Drained by `main.ts` at SIGTERM; made here (never draining) when not given. */
  drain?: DrainState;
  /** Where `npm run admin` reaches this process (a Unix socket), when it holds the embedded database. */
  adminSocket?: string;
}

/** 16 KiB is far more than any request of this API needs; more is refused with 413. */
const BODY_LIMIT = 16 * 1024;

/** WebSocket close code 1012 "service restart": the client should reconnect, and may at once. */
const CLOSE_SERVICE_RESTART = 1012;

/**
 * Replaces the WebSocket plugin's close step, which closes streams without a code: at shutdown each
 * stream is told "service restart" so the browser reconnects at once, through the proxy, to an
 * instance that is not stopping. New upgrades are refused with 503 from here on (Fastify's routes
 * are closed).
 */
function closeStreamsForRestart(this: FastifyInstance, done: () => void): void {
  for (const client of this.websocketServer.clients) client.close(CLOSE_SERVICE_RESTART, 'service restart');
  this.websocketServer.close();
  done();
}

/** Builds the whole app without listening: `main.ts` listens, tests inject or listen on a loopback port. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const limits = {
    ...defaultRateLimits,
    perAddressPerMinute: config.requestsPerAddressPerMinute,
    ...deps.limits,
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer(logger));
  const webRoot = deps.webRoot && existsSync(join(deps.webRoot, 'index.html')) ? deps.webRoot : undefined;
  registerErrorHandling(app, { appShell: webRoot !== undefined });
  await registerSecurityHeaders(app, config);
  const cluster = deps.cluster ?? singleInstance(config.instanceId);
  const requestCounter = new RequestCounter(clock, cluster.bus);
  registerAddressLimit(app, requestCounter, limits);
  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 4096 }, preClose: closeStreamsForRestart });
  await registerOpenApi(app, {
    sessionCookie: sessionCookieName(config),
    docsPage: webRoot !== undefined,
  });

  const host = new ModuleHost(
    app,
    {
      config,
      database: deps.database,
      market: deps.market,
      metrics: deps.metrics ?? new AppMetrics(),
      logger,
      clock,
      domainEvents: new DomainEventBus(),
      limits,
      requestCounter,
      flushMs: deps.flushMs ?? 5000,
      cluster,
      drain: deps.drain ?? new DrainState(),
    },
    requireAccess,
  );
  const auth = authModule(host);
  await apiTokensModule(host);
  accountModule(host, auth);
  passkeysModule(host, { auth: auth.auth });
  const prices = await pricesModule(host);
  healthModule(host, prices);
  const watchlist = await watchlistModule(host, prices);
  historyModule(host, { prices, watchlist });
  const portfolio = await portfolioModule(host, prices);
  const stream = await streamModule(host, { prices, watchlist, portfolio, options: deps.stream ?? {} });
  profilesModule(host);
  preferencesModule(host);
  const delivery = await deliveryModule(host);
  await alertsModule(host, { prices, delivery, portfolio });
  notificationsModule(host);
  importsModule(host, prices);
  performanceModule(host, prices);
  accountDataModule(host, auth);
  await adminModule(host, {
    auth: auth.auth,
    socketPath: deps.adminSocket,
    health: {
      mode: deps.config.market.kind,
      ...(deps.market.sources ? { sources: deps.market.sources } : {}),
      feedStatus: () => prices.hub.feedStatus(),
      upstream: () => deps.market.feed.upstream(),
      coverage: () => deps.market.feed.coverage(),
      rest: deps.market.restHealth,
      streamClients: stream.clients,
      deliveryBacklog: delivery.backlog,
    },
  });

  if (webRoot) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: ['index.html'],
      ...webAssetServing,
    });
  }
  return app;
}
