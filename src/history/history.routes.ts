import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { knownQuote } from '../market/market.routes.js';
import type { PriceHub } from '../market/price-hub.js';
import { MAX_SYMBOL_LENGTH, normalizeSymbol } from '../market/symbols.js';
import { HISTORY_RANGES, type HistoryService } from './history.service.js';

export async function historyRoutes(
  app: FastifyInstance,
  { auth, hub, history }: { auth: AuthService; hub: PriceHub; history: HistoryService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/quotes/:symbol/history',
    {
      onRequest: requireUser(auth),
      schema: {
        params: z.object({ symbol: z.string().max(MAX_SYMBOL_LENGTH) }),
        querystring: z.object({
          range: z.enum(HISTORY_RANGES, { error: `range must be one of ${HISTORY_RANGES.join(', ')}.` }),
        }),
      },
    },
    async (request) => {
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
    },
  );

  routes.get(
    '/sparklines',
    {
      onRequest: requireUser(auth),
      schema: {
        querystring: z.object({
          symbols: z
            .string({ error: 'Query parameter symbols is required (comma-separated).' })
            .transform((value, context) => {
              const symbols = value.split(',').map((raw) => normalizeSymbol(raw));
              if (symbols.length > MAX_SPARKLINE_SYMBOLS) {
                context.addIssue({
                  code: 'custom',
                  message: `At most ${MAX_SPARKLINE_SYMBOLS} symbols at once.`,
                });
                return z.NEVER;
              }
              if (symbols.some((symbol) => symbol === null)) {
                context.addIssue({ code: 'custom', message: 'One of the symbols is not a valid symbol.' });
                return z.NEVER;
              }
              return [...new Set(symbols as string[])];
            }),
        }),
      },
    },
    async (request) => ({ sparklines: await history.sparklines(request.query.symbols) }),
  );
}

const MAX_SPARKLINE_SYMBOLS = 200;
