import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
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
    /** `admin` or `user`; the first account becomes admin. */
    role: text('role').notNull().default('user'),
    /** Set by an admin: a disabled account cannot sign in and its sessions and tokens end. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    /** The TOTP secret (base32) once two-factor sign-in is enabled; null while it is off. */
    totpSecret: text('totp_secret'),
    /** A secret being set up (shown as a QR code), until a code confirms it. */
    totpPendingSecret: text('totp_pending_secret'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
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
    /** The id a user sees in the sessions list (the hash above never leaves the server). */
    publicId: uuid('public_id').notNull().defaultRandom(),
    userAgent: text('user_agent'),
    address: text('address'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Written at most once a minute per session. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId), uniqueIndex('sessions_public_id_key').on(t.publicId)],
);

/** Personal API tokens (`st_...`): only the SHA-256 of the token is kept. Revoking deletes the row. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 (hex) of the whole token. */
    tokenHash: text('token_hash').notNull(),
    /** Any of read, watchlist:write, portfolio:write, alerts:write. */
    scopes: text('scopes').array().notNull(),
    lastFour: text('last_four').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Written at most once a minute per token. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** Two-factor recovery codes: ten per enabling, hashed, each usable once. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
);

/** WebAuthn credentials (passkeys) a user registered. */
export const passkeys = pgTable(
  'passkeys',
  {
    /** The credential id, base64url. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull().default(0),
    transports: text('transports').array(),
    deviceType: text('device_type'),
    backedUp: boolean('backed_up').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('passkeys_user_idx').on(t.userId)],
);

/**
 * Single-use secrets with an expiry, kept hashed: a pending second-factor login (`login_2fa`, five
 * minutes), a password reset and an email verification (one hour), a WebAuthn challenge. In the
 * database (not in memory) so any instance of a cluster can complete what another began.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    /** SHA-256 (hex) of the token or challenge. */
    tokenHash: text('token_hash').primaryKey(),
    /** login_2fa | password_reset | email_verify | passkey_register | passkey_login | totp_used_step (a user's last accepted TOTP step: no code twice) */
    purpose: text('purpose').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** What the step needs besides the user (a WebAuthn challenge, the email being verified). */
    data: jsonb('data'),
    /** Wrong codes tried against a pending login. */
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('one_time_tokens_user_idx').on(t.userId),
    index('one_time_tokens_expiry_idx').on(t.expiresAt),
  ],
);

/** Invitations an admin created (`REGISTRATION=invite`): single use, with an expiry. */
export const invites = pgTable('invites', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 (hex) of the code; the code itself is shown once to the admin who created it. */
  codeHash: text('code_hash').notNull().unique(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  usedBy: uuid('used_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The security log: what happened to an account (sign-ins and failures, two-factor and passkey
 * changes, tokens created and revoked, password changes) and what admins did. A user's own rows go
 * with the account (`user_id` cascades); an admin action keeps its row, naming its target by id.
 */
export const securityEvents = pgTable(
  'security_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The account it happened to (null for a failed sign-in to no account, or an admin action on a deleted one). */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** Who did it when that is not the account itself (an admin). */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** e.g. login_succeeded, login_failed, totp_enabled, passkey_added, token_created, admin_user_disabled */
    kind: text('kind').notNull(),
    /** Whether it is an admin action (the admin console's audit log shows these and sign-ins). */
    admin: boolean('admin').notNull().default(false),
    targetId: uuid('target_id'),
    detail: jsonb('detail'),
    address: text('address'),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('security_events_user_idx').on(t.userId, t.createdAt),
    index('security_events_created_idx').on(t.createdAt),
  ],
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
  /** The SourceId the quote came from; null for quotes stored before sources were recorded. */
  source: text('source'),
  /** Minutes behind the market the source stated (0: real time); null with `source`. */
  delayMinutes: integer('delay_minutes'),
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

/**
 * Price alert rules. `threshold` is a price for the cross kinds and a percentage for the others. The
 * evaluator keeps the active rules in memory; the columns after `status` are its state, written with
 * each firing (in the firing's transaction) and when a rearm rule is armed again. `symbol` is null
 * for a rule on the whole portfolio (`portfolio_day_move`).
 */
export const alertRules = pgTable(
  'alert_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    symbol: text('symbol'),
    kind: text('kind').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    windowMinutes: integer('window_minutes'),
    frequency: text('frequency').notNull(),
    hysteresisPercent: doublePrecision('hysteresis_percent').notNull(),
    cooldownMinutes: integer('cooldown_minutes').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    regularHoursOnly: boolean('regular_hours_only').notNull().default(false),
    note: text('note'),
    /** active | paused | fired | expired */
    status: text('status').notNull(),
    /** Why a paused rule is paused: `user`, or `flood` (it fired too often and the guard stopped it). */
    pausedReason: text('paused_reason'),
    /** False after a rearm rule fired, until the price came back past the threshold by the hysteresis. */
    armed: boolean('armed').notNull().default(true),
    /** How many times it fired: the next firing is occurrence `fire_count + 1`. */
    fireCount: integer('fire_count').notNull().default(0),
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alert_rules_user_idx').on(t.userId), index('alert_rules_status_idx').on(t.status)],
);

/** Where a rule's firings go besides the app itself (in-app is always on). */
export const alertRuleChannels = pgTable(
  'alert_rule_channels',
  {
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.ruleId, t.channelId] }),
    index('alert_rule_channels_channel_idx').on(t.channelId),
  ],
);

/**
 * One row per firing. (rule, occurrence) is unique, so a retried or repeated write of the same firing
 * fails instead of firing twice. `rule` is the rule as it was when it fired.
 */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    occurrence: integer('occurrence').notNull(),
    /** Null for a portfolio firing, whose `price` is the portfolio's value and `threshold` the signed level crossed. */
    symbol: text('symbol'),
    kind: text('kind').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    price: doublePrecision('price').notNull(),
    /** The time of the trade (or quote) that crossed. */
    firedAt: timestamp('fired_at', { withTimezone: true }).notNull(),
    message: text('message').notNull(),
    simulated: boolean('simulated').notNull(),
    rule: jsonb('rule').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('alert_events_rule_occurrence_key').on(t.ruleId, t.occurrence),
    index('alert_events_user_idx').on(t.userId, t.firedAt),
  ],
);

/**
 * The notification centre: one row per thing the user is told in the app (a firing, a rule paused by
 * the flood guard, a channel disabled after days of failures).
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** alert_fired | alert_paused | channel_disabled */
    kind: text('kind').notNull(),
    eventId: uuid('event_id').references(() => alertEvents.id, { onDelete: 'cascade' }),
    ruleId: uuid('rule_id').references(() => alertRules.id, { onDelete: 'set null' }),
    symbol: text('symbol'),
    price: doublePrecision('price'),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

/**
 * Where alerts are delivered: `email` (the account's address), `webhook` (a URL, signed with
 * `secret`, in `format`), `push` (one browser's Web Push subscription).
 */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    name: text('name').notNull(),
    url: text('url'),
    format: text('format'),
    /** The webhook's `whsec_` signing secret: shown once at creation, kept to sign. */
    secret: text('secret'),
    pushEndpoint: text('push_endpoint'),
    pushP256dh: text('push_p256dh'),
    pushAuth: text('push_auth'),
    /** False once the channel failed for five days (the user is told), until the user enables it. */
    enabled: boolean('enabled').notNull().default(true),
    /** The first failure of the current run of failures; null after any success. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('notification_channels_user_idx').on(t.userId),
    uniqueIndex('notification_channels_push_key').on(t.pushEndpoint),
  ],
);

/**
 * The delivery outbox: one row per firing and channel, written in the firing's transaction and worked
 * by the delivery loop (any instance; rows are claimed with FOR UPDATE SKIP LOCKED). The unique key
 * makes a second delivery of a firing to a channel impossible.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => alertEvents.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** pending | sent | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** Set when quiet hours held it: it goes out in the summary sent when they end. */
    heldForQuietHours: boolean('held_for_quiet_hours').notNull().default(false),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('deliveries_event_channel_key').on(t.eventId, t.channelId),
    index('deliveries_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/** Per-user delivery settings: quiet hours (local times, in the user's IANA time zone). */
export const notificationSettings = pgTable('notification_settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  quietStart: text('quiet_start'),
  quietEnd: text('quiet_end'),
  timeZone: text('time_zone').notNull().default('UTC'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Keys the server generates once and keeps (the VAPID key pair when none is configured). */
export const serverKeys = pgTable('server_keys', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Holdings ledger (issue 12). An account is where transactions happen (a broker, a retirement
 * account, cash); its currency is the one its cash is kept in.
 */
export const portfolioAccounts = pgTable(
  'portfolio_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** ISO 4217 code, e.g. USD. */
    currency: text('currency').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('portfolio_accounts_user_name_idx').on(t.userId, t.name)],
);

/**
 * What happened in an account, as entered (a split does not rewrite earlier rows). Money and
 * quantities are exact `numeric` values; which columns a row uses depends on its type. `entry` is
 * the order of entry, which orders the transactions of one date.
 */
export const transactions = pgTable(
  'transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    entry: bigint('entry', { mode: 'number' }).generatedAlwaysAsIdentity(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id')
      .notNull()
      .references(() => portfolioAccounts.id, { onDelete: 'cascade' }),
    /** buy | sell | dividend | fee | interest | deposit | withdrawal | split */
    type: text('type').notNull(),
    symbol: text('symbol'),
    quantity: numeric('quantity'),
    price: numeric('price'),
    amount: numeric('amount'),
    fee: numeric('fee').notNull().default('0'),
    /** Withholding tax of a dividend. */
    tax: numeric('tax'),
    /** ISO 4217 code of the price, amount, fee and tax. */
    currency: text('currency').notNull(),
    /** The trading day (no time of day). */
    date: date('date', { mode: 'string' }).notNull(),
    /** Units of the account's currency per unit of `currency`, when given with the transaction. */
    fxRate: numeric('fx_rate'),
    /** A split's ratio, new shares to old (4:1 is 4 and 1). */
    splitTo: numeric('split_to'),
    splitFrom: numeric('split_from'),
    note: text('note'),
    /** What the transaction is, as a hash of its content: an import skips rows already here. */
    contentKey: text('content_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('transactions_user_date_idx').on(t.userId, t.date),
    index('transactions_account_idx').on(t.accountId),
    index('transactions_user_content_key_idx').on(t.userId, t.contentKey),
  ],
);

/** A parsed import waiting for the user's confirmation: nothing is in the ledger until its commit. */
export const importPreviews = pgTable(
  'import_previews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').references(() => portfolioAccounts.id, { onDelete: 'cascade' }),
    fileName: text('file_name'),
    /** The rows as transactions ready to be written, and the rows' errors. */
    rows: jsonb('rows').notNull(),
    errors: jsonb('errors').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('import_previews_user_idx').on(t.userId)],
);

/** A user's portfolio settings: the currency totals are shown in and the cost-basis method. */
export const portfolioSettings = pgTable('portfolio_settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** ISO 4217 code. */
  baseCurrency: text('base_currency').notNull().default('USD'),
  /** average | fifo */
  costBasis: text('cost_basis').notNull().default('average'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
