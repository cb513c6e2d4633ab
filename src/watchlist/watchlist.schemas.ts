import { z } from 'zod';
import {
  BODY_ERRORS,
  DATA_WRITE_ERRORS,
  errorResponses,
  isoDateTime,
  noContent,
  PROVIDER_ERRORS,
  READ_ERRORS,
  readAccess,
  sessionWriteOrToken,
  text,
} from '../http/api.schemas.js';
import { keyMetricsSchema, MAX_SYMBOL_LENGTH, quoteSchema, symbolParams } from '../market/market.schemas.js';

const addSymbolBody = z
  .object({
    symbol: text('Symbol')
      .trim()
      .min(1, { error: 'Symbol is required, e.g. AAPL.' })
      .max(MAX_SYMBOL_LENGTH, { error: `A symbol has at most ${MAX_SYMBOL_LENGTH} characters.` }),
  })
  .meta({ examples: [{ symbol: 'AAPL' }] });

const watchlistItemSchema = z
  .object({
    symbol: z.string(),
    name: z.string(),
    currency: z.string().nullable(),
    addedAt: isoDateTime,
    quote: quoteSchema.nullable().meta({ description: 'null until the server has a price for it.' }),
    metrics: keyMetricsSchema
      .nullable()
      .meta({ description: 'null while still being fetched (the next load has them).' }),
  })
  .meta({ id: 'WatchlistItem' });
export type WatchlistItem = z.infer<typeof watchlistItemSchema>;

const tags = ['watchlist'];

export const listRouteSchema = {
  tags,
  summary: "The user's watchlist with quotes",
  security: readAccess,
  response: {
    200: z.object({ items: z.array(watchlistItemSchema) }),
    ...errorResponses(READ_ERRORS),
  },
};

export const addRouteSchema = {
  tags,
  summary: 'Add a symbol to the watchlist',
  description: 'Validates the symbol, prices it and describes it; open streams of the user start sending it.',
  security: sessionWriteOrToken('watchlist:write'),
  body: addSymbolBody,
  response: {
    201: z.object({ item: watchlistItemSchema }),
    ...errorResponses(
      BODY_ERRORS,
      DATA_WRITE_ERRORS,
      'invalid_symbol',
      'unknown_symbol',
      'already_in_portfolio',
      PROVIDER_ERRORS,
    ),
  },
};

export const removeRouteSchema = {
  tags,
  summary: 'Remove a symbol from the watchlist',
  security: sessionWriteOrToken('watchlist:write'),
  params: symbolParams,
  response: {
    204: noContent,
    ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'invalid_symbol', 'not_in_portfolio'),
  },
};
