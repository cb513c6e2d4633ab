import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import { type Delay, SOURCE_NAMES, type SourceId } from '../market/kernel/sources.js';
import { knownQuote } from '../prices/known-quote.js';
import type { PriceHub } from '../prices/price-hub.js';
import { WATCHLIST_BASES } from '../watchlist/watchlist.routes.js';
import type { WatchlistService } from '../watchlist/watchlist.service.js';
import { type BarSource, historyRouteSchema, sparklinesRouteSchema } from './history.schemas.js';
import type { HistoryService } from './history.service.js';

export async function historyRoutes(
  app: FastifyInstance,
  { hub, history, watchlist }: { hub: PriceHub; history: HistoryService; watchlist: WatchlistService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/quotes/:symbol/history', { schema: historyRouteSchema }, async (request) => {
    const {
      symbol,
      quote: { quote },
    } = await knownQuote(hub, request.params.symbol);
    const { resolution, bars, past } = await history.history(symbol, request.query.range);
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
      sources: {
        past: past && barSource(past.source, past.delay),
        live: quote.source === undefined ? null : barSource(quote.source, quote.delayMinutes ?? null),
      },
    };
  });

  for (const { base, mark } of WATCHLIST_BASES) {
    routes.get(`${base}/sparklines`, { schema: { ...sparklinesRouteSchema, ...mark } }, async (request) => {
      const symbols = await watchlist.symbols(callerId(request));
      return { sparklines: await history.sparklines(symbols) };
    });
  }
}

function barSource(id: SourceId, delay: Delay | null): BarSource {
  return { id, name: SOURCE_NAMES[id], delay };
}
