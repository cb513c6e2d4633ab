import { z } from 'zod';
import {
  errorResponses,
  isoDateTime,
  PROVIDER_ERRORS,
  READ_ERRORS,
  readAccess,
  text,
} from '../http/api.schemas.js';
import { SOURCE_IDS, SOURCE_NAMES } from './kernel/sources.js';

export const MAX_SYMBOL_LENGTH = 40;

/** The `:symbol` of every `/quotes/:symbol…` and `/watchlist/:symbol` address. */
export const symbolParams = z.object({
  symbol: text('Symbol')
    .max(MAX_SYMBOL_LENGTH, { error: `A symbol has at most ${MAX_SYMBOL_LENGTH} characters.` })
    .meta({ description: 'AAPL, BRK.B, VOD.L, 7203.T, BINANCE:BTCUSDT, OANDA:EUR_USD…', examples: ['AAPL'] }),
});

/** Codes of a route that prices a symbol from a request. */
export const SYMBOL_ERRORS = [
  'validation_error',
  'invalid_symbol',
  'unknown_symbol',
  ...PROVIDER_ERRORS,
] as const;

const nullableNumber = z.number().nullable();

/**
 * What the price feed says about itself: `live` (the provider's socket carries every watched
 * symbol), `degraded` (some are polled over REST), `reconnecting` (the socket is down; prices may be
 * out of date), `simulated`, `unauthorized` (the provider refused the API key: no reconnect mends it).
 */
export const feedStatusSchema = z
  .enum(['live', 'reconnecting', 'degraded', 'simulated', 'unauthorized'])
  .meta({ id: 'FeedStatus' });
export type FeedStatus = z.infer<typeof feedStatusSchema>;

/** A market-data source by id; its name for people is fixed per id (SOURCE_NAMES). */
export const sourceIdSchema = z.enum(SOURCE_IDS).meta({
  id: 'SourceId',
  description: `Where market data came from: ${SOURCE_IDS.map((id) => `\`${id}\` (${SOURCE_NAMES[id]})`).join(', ')}.`,
});

export const quoteSchema = z
  .object({
    symbol: z.string(),
    price: z.number().meta({ description: "In the instrument's trading currency." }),
    change: nullableNumber.meta({
      description: 'price - previousClose; null when the previous close is unknown.',
    }),
    changePercent: nullableNumber.meta({ description: 'Percent: 1.5 means +1.5 %.' }),
    open: nullableNumber,
    high: nullableNumber,
    low: nullableNumber,
    previousClose: nullableNumber,
    volume: nullableNumber.meta({
      description:
        "Traded today (UTC day of the last trade), summed from the feed's trades; null until it has some.",
    }),
    time: isoDateTime.meta({ description: 'When the market quoted this price.' }),
    stale: z.boolean().meta({ description: 'Not confirmed by the provider recently.' }),
    // Two flat fields, not {id, name, delayMinutes}: stream frames carry this schema, one copy per
    // quote per connection (204 bytes for a typical quote; the object would add 60 bytes to each, 29 %,
    // these add 36), and the name is a fixed function of the id that the SourceId schema lists.
    source: sourceIdSchema.nullable().meta({
      description: 'Where this price came from; null for a quote stored before sources were recorded.',
    }),
    delayMinutes: z.number().min(0).nullable().meta({
      description: 'Minutes behind the market, as the source states it (0: real time); null with source.',
    }),
  })
  .meta({ id: 'Quote' });
export type Quote = z.infer<typeof quoteSchema>;

export const keyMetricsSchema = z
  .object({
    week52High: nullableNumber,
    week52Low: nullableNumber,
    marketCap: nullableNumber.meta({ description: 'In the trading currency, whole units.' }),
  })
  .meta({
    id: 'KeyMetrics',
    description: 'From the provider once a day; null where the plan or the instrument has none.',
  });
export type KeyMetrics = z.infer<typeof keyMetricsSchema>;

const quoteDetailSchema = quoteSchema
  .extend({
    currency: z.string().nullable().meta({ description: 'ISO 4217 (or the quote asset of a crypto pair).' }),
    ...keyMetricsSchema.shape,
  })
  .meta({ id: 'QuoteDetail' });
export type QuoteDetail = z.infer<typeof quoteDetailSchema>;

const searchQuery = z.object({
  q: text('Query parameter q')
    .trim()
    .min(1, { error: 'Type at least one character to search.' })
    .max(50, { error: 'A search has at most 50 characters.' })
    .meta({ examples: ['apple'] }),
});

const symbolMatchSchema = z
  .object({ symbol: z.string(), description: z.string(), type: z.string() })
  .meta({ id: 'SymbolMatch' });
export type SymbolMatch = z.infer<typeof symbolMatchSchema>;

const marketStateSchema = z.enum(['open', 'pre-market', 'post-market', 'closed', 'holiday']);

const marketStatusSchema = z
  .object({
    exchange: z.string(),
    state: marketStateSchema,
    holiday: z.string().nullable().meta({ description: "The holiday's name when state is holiday." }),
    timezone: z.string().nullable(),
    description: z.string().meta({ description: 'One line for people, e.g. "US market: pre-market".' }),
    updatedAt: isoDateTime,
  })
  .meta({ id: 'MarketStatus' });
export type MarketStatus = z.infer<typeof marketStatusSchema>;

const tags = ['market'];

export const quoteRouteSchema = {
  tags,
  summary: 'The latest quote of a symbol',
  description: '52-week range and market cap are fetched once a day per symbol.',
  security: readAccess,
  params: symbolParams,
  response: { 200: quoteDetailSchema, ...errorResponses(READ_ERRORS, SYMBOL_ERRORS) },
};

export const searchRouteSchema = {
  tags,
  summary: 'Search symbols',
  description: 'Answers are cached on the server for an hour (the add box searches as you type).',
  security: readAccess,
  querystring: searchQuery,
  response: {
    200: z.object({ results: z.array(symbolMatchSchema) }),
    ...errorResponses(READ_ERRORS, 'validation_error', PROVIDER_ERRORS),
  },
};

export const marketStatusRouteSchema = {
  tags,
  summary: 'Whether the US market is open',
  description: 'Refreshed every 5 minutes; the simulated market is open around the clock.',
  security: readAccess,
  response: { 200: marketStatusSchema, ...errorResponses(READ_ERRORS, PROVIDER_ERRORS) },
};
