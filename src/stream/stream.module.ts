import type { ModuleHost } from '../module-host.js';
import type { PortfolioModule } from '../portfolio/portfolio.module.js';
import type { PricesModule } from '../prices/prices.module.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { streamRoutes } from './stream.routes.js';
import type { StreamFrame } from './stream.schemas.js';
import { StreamHub, type StreamOptions } from './stream-hub.js';

/** The cluster channel of frames for one user's streams, wherever they are open. */
const USER_FRAMES = 'user-frames';
/** The cluster channel of ended sessions, whose streams may be open on any instance. */
const SESSIONS_ENDED = 'sessions-ended';

interface UserFrame {
  from: string;
  userId: string;
  frame: StreamFrame;
}

interface EndedSessions {
  from: string;
  userId: string;
  sessions: 'all' | string[];
}

/** What others read of the stream (the admin console). */
export interface StreamModule {
  /** Browser streams open on this instance. */
  clients(): number;
}

/**
 * The browsers' live stream: StreamHub (listening to market and watchlist events, to alert
 * firings, sent to their user's streams, and to ended sessions, whose streams close) and /stream.
 */
export async function streamModule(
  host: ModuleHost,
  {
    prices,
    watchlist,
    portfolio,
    options,
  }: {
    prices: PricesModule;
    watchlist: WatchlistService;
    /** What users hold, streamed with their watchlist. */
    portfolio: PortfolioModule;
    /** Overrides of the fan-out's tuning (tests and the benchmark). */
    options: Partial<Omit<StreamOptions, 'intervalMs'>>;
  },
): Promise<StreamModule> {
  const { config, clock, metrics, domainEvents } = host.context;
  const streams = new StreamHub(
    prices.hub,
    domainEvents,
    clock,
    metrics,
    {
      intervalMs: config.streamIntervalMs,
      highWaterBytes: 64 * 1024,
      stuckMs: 15_000,
      lanes: 4,
      ...options,
    },
    portfolio.heldSymbols,
  );
  host.onClose(() => streams.closeAll());
  // A firing is stored on the instance that evaluates its rule; its user's streams may be open on
  // any instance: in a cluster the frame also goes out on the bus, and each instance sends what it
  // hears to its own streams.
  const { bus, instanceId } = host.context.cluster;
  host.onClose(
    domainEvents.on('alert.fired', ({ userId, firing }) => {
      const frame: StreamFrame = {
        type: 'alert',
        alert: {
          id: firing.id,
          alertId: firing.alertId,
          symbol: firing.symbol,
          kind: firing.kind,
          threshold: firing.threshold,
          price: firing.price,
          firedAt: firing.firedAt.toISOString(),
          message: firing.message,
        },
      };
      streams.sendToUser(userId, frame);
      bus?.publish(USER_FRAMES, JSON.stringify({ from: instanceId, userId, frame } satisfies UserFrame));
    }),
  );
  // A session ended on one instance may have streams open on any other: the same relay.
  host.onClose(
    domainEvents.on('auth.sessionsEnded', ({ userId, sessions }) => {
      streams.endSessions(userId, sessions);
      bus?.publish(
        SESSIONS_ENDED,
        JSON.stringify({ from: instanceId, userId, sessions } satisfies EndedSessions),
      );
    }),
  );
  if (bus) {
    await bus.subscribe(USER_FRAMES, (message) => {
      const { from, userId, frame } = JSON.parse(message) as UserFrame;
      if (from !== instanceId) streams.sendToUser(userId, frame);
    });
    await bus.subscribe(SESSIONS_ENDED, (message) => {
      const { from, userId, sessions } = JSON.parse(message) as EndedSessions;
      if (from !== instanceId) streams.endSessions(userId, sessions);
    });
  }
  host.authenticatedRoutes((api) =>
    streamRoutes(api, {
      config,
      hub: prices.hub,
      watchlist,
      streams,
      domainEvents,
      perUser: config.streamsPerUser,
    }),
  );
  return { clients: () => streams.connectionCount() };
}
