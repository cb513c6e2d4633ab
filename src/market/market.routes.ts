import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { AppError } from '../errors.js';
import type { KeyMetricsCache } from './key-metrics.js';
import type { MarketStatusService } from './market-status.js';
import type { HubQuote, PriceHub } from './price-hub.js';
import { toAppError } from './provider-errors.js';
import { toQuoteDto } from './quote-dto.js';
import type { SymbolSearch } from './symbol-search.js';
import { MAX_SYMBOL_LENGTH, marketOfSymbol, normalizeSymbol } from './symbols.js';

/**
 * The symbol in a path, normalised, with its current quote: 400 for a malformed symbol, 404 for one
 * the provider does not know, 403 `data_plan_required` for one the plan does not cover.
 */
export async function knownQuote(
  hub: PriceHub,
  rawSymbol: string,
): Promise<{ symbol: string; quote: HubQuote }> {
  const symbol = normalizeSymbol(rawSymbol);
  if (!symbol) throw new AppError('invalid_symbol');
  const quote = await hub.getQuote(symbol).catch((error: unknown) => {
    throw toAppError(error);
  });
  if (!quote)
    throw new AppError('unknown_symbol', `No stock or instrument with the symbol ${symbol} was found.`);
  return { symbol, quote };
}

export async function marketRoutes(
  app: FastifyInstance,
  {
    auth,
    hub,
    search,
    marketStatus,
    keyMetrics,
  }: {
    auth: AuthService;
    hub: PriceHub;
    search: SymbolSearch;
    marketStatus: MarketStatusService;
    keyMetrics: KeyMetricsCache;
  },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const authenticated = requireUser(auth);

  routes.get(
    '/quotes/:symbol',
    { onRequest: authenticated, schema: { params: z.object({ symbol: z.string().max(MAX_SYMBOL_LENGTH) }) } },
    async (request) => {
      const { symbol, quote } = await knownQuote(hub, request.params.symbol);
      return {
        ...toQuoteDto(quote),
        currency: marketOfSymbol(symbol).currency,
        ...(await keyMetrics.get(symbol)),
      };
    },
  );

  routes.get(
    '/symbols/search',
    {
      onRequest: authenticated,
      schema: {
        querystring: z.object({
          q: z
            .string({ error: 'Query parameter q is required.' })
            .trim()
            .min(1, { error: 'Type at least one character to search.' })
            .max(50, { error: 'A search has at most 50 characters.' }),
        }),
      },
    },
    async (request) => {
      const results = await search.search(request.query.q).catch((error: unknown) => {
        throw toAppError(error);
      });
      return { results };
    },
  );

  routes.get('/market/status', { onRequest: authenticated }, async () => {
    const { status, updatedAt } = await marketStatus.status().catch((error: unknown) => {
      throw toAppError(error);
    });
    return { ...status, updatedAt };
  });
}
