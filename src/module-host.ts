import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ClusterView } from './cluster/cluster.js';
import type { Config } from './config.js';
import { type BatchSource, BatchWriter } from './db/batch-writer.js';
import type { DatabaseHandle } from './db/database.js';
import type { DrainState } from './drain-state.js';
import type { DomainEventBus } from './events.js';
import type { LoginThrottleLimits, RequestCounter, RequestLimits } from './http/request-limits.js';
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
  /** This process's place in the cluster (`single` without one): who does the jobs done once. */
  cluster: ClusterView;
  /** Set at SIGTERM: the instance is shutting down, `/readyz` answers 503. */
  drain: DrainState;
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
    /**
     * The authenticated group's gate (the session and CSRF for writes, or an API token with the
     * scope the route declares): auth's, given by the app.
     */
    private readonly gate: onRequestAsyncHookHandler,
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
   * Routes under /api/v1 that need a session (and for state-changing methods the session's CSRF
   * token), or an API token where the route's security allows one: declared here once for every
   * module's authenticated routes.
   */
  authenticatedRoutes(routes: Routes): void {
    this.app.register(
      async (api) => {
        api.addHook('onRequest', this.gate);
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

  /**
   * A BatchWriter flushing `source` every `flushMs`, started now and flushed once more at close;
   * `gather` starts filling `source` (it answers its stop). A `clusterWide` writer (rows every
   * instance would write alike: bars, last quotes) gathers and writes only on the cluster's leader:
   * a follower does not spend a trade's work on rows it would not write; what a leader gathered is
   * flushed as it steps down, and a new leader starts from what arrives after it took over, so no
   * trade is counted twice.
   */
  writer<T>(options: {
    what: string;
    table: string;
    source: BatchSource<T>;
    gather: () => () => void;
    write: (items: T[]) => Promise<void>;
    clusterWide?: boolean;
  }): BatchWriter<T> {
    const { logger, flushMs, metrics, cluster } = this.context;
    const writes = () => !options.clusterWide || cluster.role() !== 'follower';
    let stopGathering = writes() ? options.gather() : undefined;
    this.onClose(() => stopGathering?.());
    const writer = new BatchWriter<T>({
      what: options.what,
      source: options.source,
      write: (items) => (writes() ? options.write(items) : Promise.resolve()),
      logger,
      intervalMs: flushMs,
      onWrite: (seconds) => metrics.batchWrites.observe({ table: options.table }, seconds),
    });
    writer.start();
    this.writers.push(writer as BatchWriter<unknown>);
    if (options.clusterWide) {
      this.onClose(
        cluster.onRoleChange((role) => {
          if (role === 'leader') stopGathering ??= options.gather();
          else {
            stopGathering?.();
            stopGathering = undefined;
          }
          const gathered = options.source.take();
          if (role === 'leader' || gathered.length === 0) return;
          options.write(gathered).catch((error: Error) => {
            logger.warn({ reason: error.message }, `saving ${options.what} on stepping down failed`);
          });
        }),
      );
    }
    return writer;
  }

  /** Stops something the module started (a timer, a listener, a connection) when the app closes. */
  onClose(stop: () => unknown): void {
    this.stoppers.push(stop);
  }
}
