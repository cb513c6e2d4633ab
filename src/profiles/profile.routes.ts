import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { UNKNOWN_PROFILE } from '../market/kernel/instruments.js';
import { requireSymbol } from '../market/kernel/symbols.js';
import { logoRouteSchema, profileRouteSchema } from './profile.schemas.js';
import type { ProfileService } from './profile.service.js';

export async function profileRoutes(
  app: FastifyInstance,
  { profiles }: { profiles: ProfileService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/quotes/:symbol/profile', { schema: profileRouteSchema }, async (request) => {
    const symbol = requireSymbol(request.params.symbol);
    const profile = await profiles.profile(symbol);
    const { logoSource, ...fields } = profile ?? UNKNOWN_PROFILE;
    return {
      symbol,
      ...fields,
      // Our own address: the browser never contacts the provider's host.
      logoUrl: logoSource ? `/api/v1/quotes/${encodeURIComponent(symbol)}/logo` : null,
    };
  });

  routes.get('/quotes/:symbol/logo', { schema: logoRouteSchema }, async (request, reply) => {
    const logo = await profiles.logo(requireSymbol(request.params.symbol));
    if (!logo) throw new AppError('no_logo');
    return (
      reply
        .type(logo.contentType)
        .header('Cache-Control', 'private, max-age=86400')
        // An SVG opened on its own is a document: it may not run or load anything.
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        .send(Buffer.from(logo.data))
    );
  });
}
