import { bearerTokenOf } from '../auth/bearer.js';
import { SecurityLog } from '../auth/security-log.js';
import type { ModuleHost } from '../module-host.js';
import { apiTokensRoutes } from './api-tokens.routes.js';
import { ApiTokenService } from './api-tokens.service.js';

/** The cluster channel of revocations, so every instance closes the streams of a revoked token. */
const REVOCATIONS = 'api-token-revoked';

interface Revocation {
  from: string;
  userId: string;
  tokenId: string;
}

/**
 * Personal API tokens: checks the `Authorization: Bearer` token of every /api request (the gate of
 * the authenticated routes then decides from the route's declared security), counts a token's
 * requests against its own limit, and serves /me/tokens. Registered right after the auth module,
 * so every later hook knows the request's caller.
 */
export async function apiTokensModule(host: ModuleHost): Promise<ApiTokenService> {
  const { database, clock, domainEvents, requestCounter, limits, cluster } = host.context;
  const tokens = new ApiTokenService(database.db, clock, new SecurityLog(database.db, clock), domainEvents);

  host.app.decorateRequest('bearer', null);
  host.app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const presented = bearerTokenOf(request);
    if (presented === undefined) return;
    const caller = await tokens.authenticate(presented);
    request.bearer = caller ? { valid: true, ...caller } : { valid: false };
  });
  host.app.addHook(
    'onRequest',
    requestCounter.limit(limits.perUserPerMinute, (request) =>
      request.bearer?.valid ? `token:${request.bearer.tokenId}` : undefined,
    ),
  );
  host.authenticatedRoutes((api) => apiTokensRoutes(api, { tokens }));

  const { bus, instanceId } = cluster;
  if (bus) {
    // Set while a revocation heard on the bus is told here, so it is not published back.
    let relaying = false;
    host.onClose(
      domainEvents.on('apiToken.revoked', ({ userId, tokenId }) => {
        if (!relaying)
          bus.publish(
            REVOCATIONS,
            JSON.stringify({ from: instanceId, userId, tokenId } satisfies Revocation),
          );
      }),
    );
    await bus.subscribe(REVOCATIONS, (message) => {
      const { from, userId, tokenId } = JSON.parse(message) as Revocation;
      if (from === instanceId) return;
      relaying = true;
      try {
        domainEvents.emit('apiToken.revoked', { userId, tokenId });
      } finally {
        relaying = false;
      }
    });
  }
  return tokens;
}
