import { z } from 'zod';
import {
  BODY_ERRORS,
  DATA_WRITE_ERRORS,
  errorResponses,
  READ_ERRORS,
  readAccess,
  sessionWriteOrToken,
} from '../http/api.schemas.js';

/** Watchlist columns a user can show, in the order they choose. */
export const WATCHLIST_COLUMNS = [
  'price',
  'change',
  'changePercent',
  'open',
  'high',
  'low',
  'previousClose',
  'volume',
  'week52Range',
  'marketCap',
  'currency',
  'updated',
] as const;

/** What the watchlist can be sorted by: any column, or the symbol and when it was added. */
export const SORT_KEYS = ['symbol', 'addedAt', ...WATCHLIST_COLUMNS] as const;

export const preferencesSchema = z
  .object({
    watchlist: z.object({
      columns: z
        .array(z.enum(WATCHLIST_COLUMNS, { error: `Columns are ${WATCHLIST_COLUMNS.join(', ')}.` }))
        .min(1, { error: 'Show at least one column.' })
        .refine((columns) => new Set(columns).size === columns.length, {
          error: 'A column may appear only once.',
        }),
      sort: z.object({
        column: z.enum(SORT_KEYS, { error: `Sort by one of ${SORT_KEYS.join(', ')}.` }),
        direction: z.enum(['asc', 'desc'], { error: 'Direction is asc or desc.' }),
      }),
    }),
  })
  .meta({
    id: 'Preferences',
    examples: [
      {
        watchlist: {
          columns: ['price', 'changePercent', 'volume'],
          sort: { column: 'symbol', direction: 'asc' },
        },
      },
    ],
  });

export type Preferences = z.infer<typeof preferencesSchema>;

export const DEFAULT_PREFERENCES: Preferences = {
  watchlist: {
    columns: ['price', 'change', 'changePercent', 'volume', 'updated'],
    sort: { column: 'addedAt', direction: 'asc' },
  },
};

const tags = ['preferences'];

export const getPreferencesRouteSchema = {
  tags,
  summary: "The user's watchlist columns and sort",
  description: 'The defaults until the user saves some.',
  security: readAccess,
  response: { 200: preferencesSchema, ...errorResponses(READ_ERRORS) },
};

export const savePreferencesRouteSchema = {
  tags,
  summary: "Save the user's watchlist columns and sort",
  security: sessionWriteOrToken('watchlist:write'),
  body: preferencesSchema,
  response: { 200: preferencesSchema, ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS) },
};
