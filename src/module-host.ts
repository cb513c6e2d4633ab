import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { type BatchSource, BatchWriter } from './db/batch-writer.js';
import type { DatabaseHandle } from './db/database.js';
import type { DomainEventBus } from './events.js';
import type { LoginThrottleLimits, RequestCounter, RequestLimits } from './http/request-limits.js';
import type { AppInstance } from './instance.js';
import type { Market } from './market/providers/create-market.js';
import type { AppMetrics } from './metrics.js';

/** The app's I/O edges and shared buses, as every module sees them. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  market: Market;
  metrics: AppMetrics;
  logger: Logger;
  clock: Clock;
  domainEvents: DomainEventBus;
  limits: RequestLimits & LoginThrottleLimits;
  requestCounter: RequestCounter;
  /** How often batched writes (last quotes, price bars) go to the database. */
  flushMs: number;
  /** This process: its id, its role in the cluster, whether it is draining (shutting down). */
  instance: AppInstance;
}

/** A module's routes: the body of a Fastify plugin. */
type Routes = (api: FastifyInstance) => Promise<void>;

/** The prefix of every API route. */
const API_PREFIX = '/api/v1';

/**
 * What a module wires itself with: the context, and the places for its routes, timers, writers and
 * whatever else it must stop. Closing the app stops them all: first what produces work (timers,
 * listeners, connections, feeds, newest module first), then every writer flushes once more.
 */
export class ModuleHost {
  private readonly stoppers: Array<() => unknown> = [];
  private readonly writers: Array<BatchWriter<unknown>> = [];

  constructor(
    /** For what must run on every request (hooks); routes go through the methods below. */
    readonly app: FastifyInstance,
    readonly context: AppContext,
    /** The authenticated group's gate (session, and CSRF for writes): the auth module's, given by the app. */
    private readonly requireSession: onRequestAsyncHookHandler,
  ) {
    app.addHook('onClose', async () => {
      for (const stop of this.stoppers.reverse()) await stop();
      await Promise.all(this.writers.map((writer) => writer.stop()));
    });
  }

  /** Routes under /api/v1 that anyone may call. */
  publicRoutes(routes: Routes): void {
    this.app.register(routes, { prefix: API_PREFIX });
  }

  /**
   * Routes under /api/v1 that need a session, and for state-changing methods the session's CSRF
   * token: declared here once for every module's authenticated routes.
   */
  authenticatedRoutes(routes: Routes): void {
    this.app.register(
      async (api) => {
        api.addHook('onRequest', this.requireSession);
        await routes(api);
      },
      { prefix: API_PREFIX },
    );
  }

  /** Routes at the root (the probes). */
  rootRoutes(routes: Routes): void {
    this.app.register(routes);
  }

  /**
   * Runs `task` every `ms` (and once at once with `now`) until the app closes; a failure is logged as
   * `failure` and tried again next time.
   */
  every(ms: number, failure: string, task: () => Promise<unknown>, options: { now?: boolean } = {}): void {
    const run = () => {
      task().catch((error: Error) => this.context.logger.warn({ reason: error.message }, failure));
    };
    const timer = setInterval(run, ms);
    timer.unref();
    this.onClose(() => clearInterval(timer));
    if (options.now) run();
  }

  /** A BatchWriter flushing `source` every `flushMs`, started now and flushed once more at close. */
  writer<T>(options: {
    what: string;
    table: string;
    source: BatchSource<T>;
    write: (items: T[]) => Promise<void>;
  }): BatchWriter<T> {
    const { logger, flushMs, metrics } = this.context;
    const writer = new BatchWriter<T>({
      what: options.what,
      source: options.source,
      write: options.write,
      logger,
      intervalMs: flushMs,
      onWrite: (seconds) => metrics.batchWrites.observe({ table: options.table }, seconds),
    });
    writer.start();
    this.writers.push(writer as BatchWriter<unknown>);
    return writer;
  }

  /** Stops something the module started (a timer, a listener, a connection) when the app closes. */
  onClose(stop: () => unknown): void {
    this.stoppers.push(stop);
  }
}
