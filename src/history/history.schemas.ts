import { z } from 'zod';
import { errorResponses, READ_ERRORS, readAccess } from '../http/api.schemas.js';
import { SYMBOL_ERRORS, symbolParams } from '../market/market.schemas.js';

const HISTORY_RANGES = ['1d', '5d', '1m', '6m', '1y', '5y'] as const;
const historyRangeSchema = z.enum(HISTORY_RANGES, {
  error: `range must be one of ${HISTORY_RANGES.join(', ')}.`,
});
export type HistoryRange = z.infer<typeof historyRangeSchema>;

const historyResolutionSchema = z.enum(['1m', '5m', '1d', '1w']);
export type HistoryResolution = z.infer<typeof historyResolutionSchema>;

const historyBarSchema = z
  .object({
    t: z.number().meta({ description: 'Start of the period, epoch seconds (UTC).' }),
    o: z.number(),
    h: z.number(),
    l: z.number(),
    c: z.number(),
    v: z.number(),
  })
  .meta({ id: 'HistoryBar' });
export type HistoryBar = z.infer<typeof historyBarSchema>;

const priceHistorySchema = z
  .object({
    symbol: z.string(),
    range: historyRangeSchema,
    resolution: historyResolutionSchema,
    bars: z.array(historyBarSchema),
  })
  .meta({ id: 'PriceHistory' });
export type PriceHistory = z.infer<typeof priceHistorySchema>;

const sparklinesSchema = z.object({
  sparklines: z
    .record(z.string(), z.array(z.number()))
    .meta({ description: 'Closes of the latest trading day in 15-minute steps, by symbol.' }),
});

export const historyRouteSchema = {
  tags: ['history'],
  summary: "A symbol's price history",
  description:
    '`1d` the latest trading day in 1-minute bars, `5d` five trading days in 5-minute bars, `1m`/`6m`/`1y` daily bars, `5y` weekly (Monday) bars.',
  security: readAccess,
  params: symbolParams,
  querystring: z.object({ range: historyRangeSchema.meta({ examples: ['1d'] }) }),
  response: { 200: priceHistorySchema, ...errorResponses(READ_ERRORS, SYMBOL_ERRORS) },
};

export const sparklinesRouteSchema = {
  tags: ['history', 'watchlist'],
  summary: "Sparklines of the user's watchlist",
  security: readAccess,
  response: { 200: sparklinesSchema, ...errorResponses(READ_ERRORS) },
};
