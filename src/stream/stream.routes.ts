import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import { assertSameOrigin } from '../http/security.js';
import type { PriceHub } from '../market/price-hub.js';
import type { PortfolioService } from '../portfolio/portfolio.service.js';
import type { StreamHub } from './stream-hub.js';

export async function streamRoutes(
  app: FastifyInstance,
  deps: { auth: AuthService; config: Config; hub: PriceHub; portfolio: PortfolioService; streams: StreamHub },
): Promise<void> {
  const { auth, config, hub, portfolio, streams } = deps;
  const authenticated = requireUser(auth);

  app.get(
    '/stream',
    {
      websocket: true,
      // Runs before the upgrade, so a refusal is a plain HTTP 401/403 the client can read.
      preValidation: async (request, reply) => {
        assertSameOrigin(request, config);
        await authenticated(request, reply);
      },
    },
    async (socket, request) => {
      const session = request.auth;
      if (!session) return socket.close(1008, 'unauthenticated');
      const connection = streams.open(session.user.id, socket);
      socket.on('close', () => streams.close(connection));
      socket.on('error', () => streams.close(connection));
      // Clients send nothing we act on; anything they send is ignored.
      try {
        streams.start(connection, await portfolio.symbols(session.user.id), hub.feedStatus());
      } catch (error) {
        request.log.error({ reason: (error as Error).message }, 'could not start a stream');
        socket.close(1011, 'internal error');
      }
    },
  );
}
