import { z } from 'zod';
import { errorResponses, READ_ERRORS, readAccess } from '../http/api.schemas.js';
import { SYMBOL_ERRORS, sourceIdSchema, symbolParams } from '../market/market.schemas.js';

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

const barSourceSchema = z
  .object({
    id: sourceIdSchema,
    name: z.string().meta({ description: 'For people: "Yahoo Finance".', examples: ['Yahoo Finance'] }),
    delay: z
      .union([z.number().min(0), z.literal('end_of_day')])
      .nullable()
      .meta({
        description:
          'Minutes behind the market (0: real time) or `end_of_day`; null where no delay applies (minutes long past).',
      }),
  })
  .meta({ id: 'BarSource' });
export type BarSource = z.infer<typeof barSourceSchema>;

const priceHistorySchema = z
  .object({
    symbol: z.string(),
    range: historyRangeSchema,
    resolution: historyResolutionSchema,
    bars: z.array(historyBarSchema),
    sources: z.object({
      past: barSourceSchema.nullable().meta({
        description:
          "Where the bars loaded when the symbol was first watched came from (daily and weekly bars: `end_of_day`); null when none were loaded and every bar was recorded from the app's own prices.",
      }),
      live: barSourceSchema.nullable().meta({
        description:
          "Where the bars recorded since, and the last bar's live movement, come from: the source of the symbol's latest quote; null for a quote stored before sources were recorded.",
      }),
    }),
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
