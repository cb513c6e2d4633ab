import { sql } from 'drizzle-orm';
import {
  doublePrecision,
  index,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Uniqueness is case-insensitive; the constraint (not a prior SELECT) decides under concurrency.
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 (hex) of the session token; the token itself is only ever in the user's cookie. */
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

/** Every symbol any user has added: what it is (name, exchange, currency). Its last quote is in `last_quotes`. */
export const instruments = pgTable('instruments', {
  symbol: text('symbol').primaryKey(),
  name: text('name').notNull(),
  exchange: text('exchange'),
  currency: text('currency'),
  type: text('type'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Last known quote per symbol, full precision (numeric, never rounded to cents). A cache of any symbol
 * the app has priced, so it has no foreign key to instruments.
 */
export const lastQuotes = pgTable('last_quotes', {
  symbol: text('symbol').primaryKey(),
  price: numeric('price').notNull(),
  change: numeric('change'),
  changePercent: numeric('change_percent'),
  open: numeric('open'),
  high: numeric('high'),
  low: numeric('low'),
  previousClose: numeric('previous_close'),
  volume: numeric('volume'),
  quotedAt: timestamp('quoted_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The symbols on each user's watchlist. The primary key makes a second copy of a symbol, or a second
 * watchlist per user, impossible whatever the concurrency.
 */
export const watchlistItems = pgTable(
  'watchlist_items',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    symbol: text('symbol')
      .notNull()
      .references(() => instruments.symbol),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.symbol] }), index('watchlist_items_symbol_idx').on(t.symbol)],
);

/** Per-user display settings (which watchlist columns, in which order, sorted how), as one JSON document. */
export const userPreferences = pgTable('user_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  settings: jsonb('settings').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * OHLCV bars per symbol: '1m' (kept 30 days) and '1d' (kept). The primary key (symbol, resolution,
 * start) is also the index every history query reads in order. `first_at`/`last_at` are the times of
 * the first and last tick in the bar, so a late or repeated batch merges into a stored bar correctly.
 * Prices are float8: exactly the numbers the feed sent (JavaScript doubles), and cheap to aggregate.
 */
export const priceBars = pgTable(
  'price_bars',
  {
    symbol: text('symbol').notNull(),
    resolution: text('resolution').notNull(),
    start: timestamp('start', { withTimezone: true }).notNull(),
    open: doublePrecision('open').notNull(),
    high: doublePrecision('high').notNull(),
    low: doublePrecision('low').notNull(),
    close: doublePrecision('close').notNull(),
    volume: doublePrecision('volume').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.resolution, t.start] })],
);

/** Symbols whose past bars were loaded from the provider once (or generated, for the simulated market). */
export const historyBackfills = pgTable('history_backfills', {
  symbol: text('symbol').primaryKey(),
  source: text('source').notNull(),
  completedAt: timestamp('completed_at', { withTimezone: true }).notNull(),
});

/**
 * Company profiles from the provider, refreshed after 7 days. A symbol without a profile (crypto,
 * FX, a plan without access) is stored with nulls too, so it is not asked for again every visit.
 */
export const companyProfiles = pgTable('company_profiles', {
  symbol: text('symbol').primaryKey(),
  name: text('name'),
  exchange: text('exchange'),
  currency: text('currency'),
  industry: text('industry'),
  country: text('country'),
  website: text('website'),
  ipo: text('ipo'),
  /** Where the provider keeps the logo; only the server fetches it (browsers get it from us). */
  logoSource: text('logo_source'),
  fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull(),
});

/** Company logos, fetched once from the provider and served from our own origin (base64). */
export const companyLogos = pgTable('company_logos', {
  symbol: text('symbol').primaryKey(),
  contentType: text('content_type').notNull(),
  data: text('data').notNull(),
  fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull(),
});
