import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_SYMBOL_LENGTH, marketOfSymbol } from '../kernel/symbols.js';
import { toAppError } from '../providers/provider-errors.js';
import type { KeyMetricsCache } from './key-metrics.js';
import { knownQuote } from './known-quote.js';
import type { MarketStatusService } from './market-status.js';
import type { PriceHub } from './price-hub.js';
import { toQuoteDto } from './quote-dto.js';
import type { SymbolSearch } from './symbol-search.js';

export async function marketRoutes(
  app: FastifyInstance,
  {
    hub,
    search,
    marketStatus,
    keyMetrics,
  }: {
    hub: PriceHub;
    search: SymbolSearch;
    marketStatus: MarketStatusService;
    keyMetrics: KeyMetricsCache;
  },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/quotes/:symbol',
    { schema: { params: z.object({ symbol: z.string().max(MAX_SYMBOL_LENGTH) }) } },
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

  routes.get('/market/status', async () => {
    const { status, updatedAt } = await marketStatus.status().catch((error: unknown) => {
      throw toAppError(error);
    });
    return { ...status, updatedAt };
  });
}
