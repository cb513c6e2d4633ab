import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { optionalCallerId } from '../auth/access.js';
import type { Config } from '../config.js';
import type { DomainEventBus } from '../events.js';
import { assertSameOrigin } from '../http/security.js';
import type { PriceHub } from '../prices/price-hub.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { STREAM_CLOSE_CODES } from './close-codes.js';
import { streamRouteSchema } from './stream.schemas.js';
import type { StreamHub } from './stream-hub.js';

/**
 * @fastify/websocket keeps the upgrade's Fastify request and reply (with the raw request, a response
 * object, a logger and the headers) reachable from the socket for the connection's whole life: its
 * error listener closes over them and the response holds the socket. A stream lives for hours and
 * there may be thousands, so let them go; our own error listener takes over.
 */
function releaseUpgradeRequest(socket: WebSocket, request: FastifyRequest): void {
  socket.removeAllListeners('error');
  // The plugin attaches a ServerResponse to the TCP socket (Node's own `_httpMessage` field).
  const tcp = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  tcp._httpMessage?.detachSocket(tcp);
}

/**
 * A stream opened with an API token closes (1008) the moment that token is revoked, wherever the
 * revocation happened; the answer stops the watch.
 */
function tokenRevocationWatch(events: DomainEventBus, tokenId: string, socket: WebSocket): () => void {
  return events.on('apiToken.revoked', (revoked) => {
    if (revoked.tokenId === tokenId) socket.close(1008, 'token revoked');
  });
}

export async function streamRoutes(
  app: FastifyInstance,
  deps: {
    config: Config;
    hub: PriceHub;
    watchlist: WatchlistService;
    streams: StreamHub;
    domainEvents: DomainEventBus;
    /** Streams one user may hold open at once on this instance; one more is closed with 4008. */
    perUser: number;
  },
): Promise<void> {
  const { config, hub, watchlist, streams, domainEvents, perUser } = deps;

  app.get(
    '/stream',
    {
      websocket: true,
      schema: streamRouteSchema,
      // Runs before the upgrade (as does the group's session check), so a refusal is a plain HTTP
      // 401/403 the client can read.
      preValidation: async (request) => assertSameOrigin(request, config),
    },
    async (socket, request) => {
      const userId = optionalCallerId(request);
      if (!userId) return socket.close(1008, 'unauthenticated');
      if (streams.countFor(userId) >= perUser) {
        return socket.close(STREAM_CLOSE_CODES.tooManyStreams, 'too many streams');
      }
      // A session's stream ends with its session; a token's with its token (revoked) or its account
      // (every session of the user ended).
      const bearer = request.bearer?.valid ? request.bearer : undefined;
      const connection = streams.open(
        userId,
        bearer ? `token:${bearer.tokenId}` : (request.auth?.tokenHash ?? ''),
        socket,
      );
      const closeOnRevoke = bearer ? tokenRevocationWatch(domainEvents, bearer.tokenId, socket) : undefined;
      releaseUpgradeRequest(socket, request);
      socket.on('pong', () => {
        connection.alive = true;
      });
      socket.on('close', () => {
        closeOnRevoke?.();
        streams.close(connection);
      });
      socket.on('error', () => {
        streams.close(connection);
        socket.terminate();
      });
      // Clients send nothing we act on; anything they send is ignored.
      try {
        streams.start(connection, await watchlist.symbols(userId), hub.feedStatus());
      } catch (error) {
        request.log.error({ reason: (error as Error).message }, 'could not start a stream');
        socket.close(1011, 'internal error');
      }
    },
  );
}
