import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { marketOfSymbol } from '../market/kernel/symbols.js';
import { marketStatusRouteSchema, quoteRouteSchema, searchRouteSchema } from '../market/market.schemas.js';
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

  routes.get('/quotes/:symbol', { schema: quoteRouteSchema }, async (request) => {
    const { symbol, quote } = await knownQuote(hub, request.params.symbol);
    return {
      ...toQuoteDto(quote),
      currency: marketOfSymbol(symbol).currency,
      ...(await keyMetrics.get(symbol)),
    };
  });

  routes.get('/symbols/search', { schema: searchRouteSchema }, async (request) => {
    return { results: await search.search(request.query.q) };
  });

  routes.get('/market/status', { schema: marketStatusRouteSchema }, async () => {
    const { status, updatedAt } = await marketStatus.status();
    return { ...status, updatedAt };
  });
}
