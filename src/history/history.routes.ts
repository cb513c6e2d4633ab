import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import { knownQuote } from '../prices/known-quote.js';
import type { PriceHub } from '../prices/price-hub.js';
import { WATCHLIST_BASES } from '../watchlist/watchlist.routes.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { historyRouteSchema, sparklinesRouteSchema } from './history.schemas.js';
import type { HistoryService } from './history.service.js';

export async function historyRoutes(
  app: FastifyInstance,
  { hub, history, watchlist }: { hub: PriceHub; history: HistoryService; watchlist: WatchlistService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/quotes/:symbol/history', { schema: historyRouteSchema }, async (request) => {
    const { symbol } = await knownQuote(hub, request.params.symbol);
    const { resolution, bars } = await history.history(symbol, request.query.range);
    return {
      symbol,
      range: request.query.range,
      resolution,
      // Seconds, like Finnhub's candles and the charting library.
      bars: bars.map((bar) => ({
        t: bar.time / 1000,
        o: bar.open,
        h: bar.high,
        l: bar.low,
        c: bar.close,
        v: bar.volume,
      })),
    };
  });

  for (const { base, mark } of WATCHLIST_BASES) {
    routes.get(`${base}/sparklines`, { schema: { ...sparklinesRouteSchema, ...mark } }, async (request) => {
      const symbols = await watchlist.symbols(callerId(request));
      return { sparklines: await history.sparklines(symbols) };
    });
  }
}
