import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import {
  CAPABILITIES,
  type Capability,
  DEFAULT_SOURCE_ORDER,
  isSourceId,
  SOURCE_CAPABILITIES,
  SOURCE_NAMES,
  type SourceId,
} from './market/kernel/sources.js';
import type { FinnhubConfig, MarketConfig } from './market/providers/market-config.js';

/** Thrown when the environment cannot be turned into a valid configuration; names the variable. */
export class ConfigError extends Error {}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .url()
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
      message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    })
    .optional();

/** A comma-separated list of source ids, checked against the sources in `market`. */
const sourceList = z
  .string()
  .trim()
  .transform((value) =>
    value
      .split(',')
      .map((id) => id.trim().toLowerCase())
      .filter(Boolean),
  )
  .optional();

/** SOURCES_QUOTES, SOURCES_DAILY_HISTORY, ...: the order sources are asked in for one capability. */
export function sourceOrderVariable(capability: Capability): string {
  return `SOURCES_${capability.toUpperCase()}`;
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port.default(8000),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  REDIS_PREFIX: z.string().trim().min(1).max(100).default('stocktracker:'),
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, ".", "_" or "-", at most 64' })
    .optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  FINNHUB_API_KEY: z.string().trim().min(1).optional(),
  FINNHUB_API_URL: optionalUrl(['http:', 'https:']).default('https://finnhub.io/api/v1'),
  FINNHUB_WS_URL: optionalUrl(['ws:', 'wss:']).default('wss://ws.finnhub.io'),
  FINNHUB_REST_PER_MINUTE: positiveInt.max(6000).default(55),
  FINNHUB_TIMEOUT_MS: positiveInt.default(8000),
  FINNHUB_WS_IDLE_MS: positiveInt.default(90_000),
  FINNHUB_WS_MAX_SYMBOLS: positiveInt.max(10_000).default(50),
  FINNHUB_WS_RECONNECT_MIN_MS: positiveInt.default(1000),
  FINNHUB_WS_RECONNECT_MAX_MS: positiveInt.default(60_000),
  SIMULATED_MARKET_SEED: z.coerce.number().int().default(42),
  MARKET_DATA: z.enum(['simulated', 'live']).optional(),
  YAHOO_FINANCE: z.enum(['on', 'off']).default('on'),
  YAHOO_API_URL: optionalUrl(['http:', 'https:']).default('https://query1.finance.yahoo.com'),
  BINANCE_STREAM: z.enum(['on', 'off']).default('on'),
  BINANCE_WS_URL: optionalUrl(['ws:', 'wss:']).default('wss://stream.binance.com:9443/ws'),
  BINANCE_API_URL: optionalUrl(['http:', 'https:']).default('https://api.binance.com'),
  ALPHA_VANTAGE_API_KEY: z.string().trim().min(1).optional(),
  ALPHA_VANTAGE_API_URL: optionalUrl(['http:', 'https:']).default('https://www.alphavantage.co'),
  SOURCE_TIMEOUT_MS: positiveInt.default(8000),
  ...Object.fromEntries(CAPABILITIES.map((capability) => [sourceOrderVariable(capability), sourceList])),
  STREAM_INTERVAL_MS: positiveInt.max(10_000).default(250),
  STREAMS_PER_USER: positiveInt.max(10_000).default(20),
  QUOTE_FRESH_MS: positiveInt.default(15_000),
  SESSION_TTL_DAYS: positiveInt.max(365).default(30),
  REQUESTS_PER_ADDRESS_PER_MINUTE: positiveInt.default(1200),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().trim().min(3).max(320).optional(),
  VAPID_PUBLIC_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{87}$/, { message: 'must be a base64url P-256 public key (87 characters)' })
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{43}$/, { message: 'must be a base64url P-256 private key (43 characters)' })
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .trim()
    .refine((value) => /^mailto:.+@/.test(value) || /^https:\/\//.test(value), {
      message: 'must be mailto:you@example.com or an https:// URL',
    })
    .optional(),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  REGISTRATION: z
    .enum(['open', 'invite', 'closed'], { message: 'must be open, invite or closed' })
    .default('open'),
  ALERTS_PER_USER: positiveInt.max(100_000).default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: positiveInt.max(600_000).default(10_000),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(2000),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /** The origin users reach the app at, when it differs from the request's Host (e.g. behind a proxy). */
  readonly publicUrl: URL | undefined;
  readonly trustProxy: boolean;
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string }
    | { readonly kind: 'pglite'; readonly dataDir: string };
  /** With Redis, this process is a member of a cluster sharing one feed (requires PostgreSQL). */
  readonly redis: { readonly url: string; readonly prefix: string } | undefined;
  /** This process's name in the cluster, logs and /healthz. */
  readonly instanceId: string;
  readonly market: MarketConfig;
  readonly streamIntervalMs: number;
  /** Live streams one user may hold open at once (per instance); one more is closed with 4008. */
  readonly streamsPerUser: number;
  /** A cached quote younger than this is served without asking the provider again. */
  readonly quoteFreshMs: number;
  readonly sessionTtlMs: number;
  /** Every request from one address counts (raise it when many users share one address). */
  readonly requestsPerAddressPerMinute: number;
  /**
   * Who may create an account: anyone, holders of an admin's invitation, or no one (admins create
   * accounts with `npm run admin`). The first account can always be created.
   */
  readonly registration: 'open' | 'invite' | 'closed';
  /** Active alert rules a user may have at once. */
  readonly alertsPerUser: number;
  readonly secureCookies: boolean;
  readonly logLevel: string;
  readonly shutdown: {
    /** From SIGTERM to exit at the latest: draining, closing streams, flushing writes. */
    readonly graceMs: number;
    /** How long `/readyz` answers 503 before streams close, so the proxy's health check sees it first. */
    readonly drainMs: number;
  };
  /** Alert delivery: email (absent without SMTP_URL), Web Push and webhooks. */
  readonly delivery: {
    readonly email: { readonly smtpUrl: string; readonly from: string } | undefined;
    /** Both keys from the environment, or undefined: generated once and kept in the database. */
    readonly vapidKeys: { readonly publicKey: string; readonly privateKey: string } | undefined;
    /** The contact push services see in the VAPID token (mailto: or https:). */
    readonly vapidSubject: string;
    /** Webhooks (and push endpoints) may reach loopback and private addresses: a LAN ntfy, home automation. */
    readonly webhookAllowPrivate: boolean;
  };
}

/**
 * Reads `.env` (if present) into a copy of `env` without overriding variables already set, the way
 * dotenv does: the real environment wins over the file.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, path = resolve('.env')): NodeJS.ProcessEnv {
  if (!existsSync(path)) return env;
  const fromFile = parseEnv(readFileSync(path, 'utf8'));
  return { ...fromFile, ...env };
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const publicUrl = e.PUBLIC_URL === undefined ? undefined : new URL(e.PUBLIC_URL);

  if (production) {
    if (!publicUrl) {
      throw new ConfigError(
        'Refusing to start: PUBLIC_URL must be set in production (the https:// address users open), so that cookies are secure and cross-site requests can be told apart.',
      );
    }
    if (publicUrl.protocol !== 'https:') {
      throw new ConfigError(
        `Refusing to start: PUBLIC_URL must use https:// in production (got ${publicUrl.protocol}//); session cookies are Secure and HSTS is on.`,
      );
    }
  }

  if (e.SMTP_URL && !e.MAIL_FROM) {
    throw new ConfigError(
      'Invalid configuration: MAIL_FROM must be set with SMTP_URL (the sender of alert emails).',
    );
  }
  if ((e.VAPID_PUBLIC_KEY === undefined) !== (e.VAPID_PRIVATE_KEY === undefined)) {
    throw new ConfigError(
      'Invalid configuration: set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither (a pair is then generated and kept in the database).',
    );
  }
  if (e.SHUTDOWN_DRAIN_MS >= e.SHUTDOWN_GRACE_MS) {
    throw new ConfigError(
      `Invalid configuration: SHUTDOWN_DRAIN_MS (${e.SHUTDOWN_DRAIN_MS}) must be shorter than SHUTDOWN_GRACE_MS (${e.SHUTDOWN_GRACE_MS}), which also covers closing streams and flushing writes.`,
    );
  }
  const mailAddress = e.MAIL_FROM?.match(/<([^>]+)>/)?.[1] ?? e.MAIL_FROM;

  if (e.REDIS_URL && !e.DATABASE_URL) {
    throw new ConfigError(
      'Refusing to start: REDIS_URL makes this process a cluster member, and cluster members share one database: set DATABASE_URL to a PostgreSQL server (the embedded PGlite belongs to one process).',
    );
  }

  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    trustProxy: e.TRUST_PROXY === 'true',
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: resolve(e.DATA_DIR) },
    market: marketConfig(e),
    streamIntervalMs: e.STREAM_INTERVAL_MS,
    streamsPerUser: e.STREAMS_PER_USER,
    quoteFreshMs: e.QUOTE_FRESH_MS,
    sessionTtlMs: e.SESSION_TTL_DAYS * 24 * 60 * 60 * 1000,
    requestsPerAddressPerMinute: e.REQUESTS_PER_ADDRESS_PER_MINUTE,
    registration: e.REGISTRATION,
    alertsPerUser: e.ALERTS_PER_USER,
    secureCookies: production,
    logLevel: e.LOG_LEVEL,
    shutdown: { graceMs: e.SHUTDOWN_GRACE_MS, drainMs: e.SHUTDOWN_DRAIN_MS },
    delivery: {
      email: e.SMTP_URL && e.MAIL_FROM ? { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM } : undefined,
      vapidKeys:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
          ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY }
          : undefined,
      vapidSubject:
        e.VAPID_SUBJECT ??
        (mailAddress
          ? `mailto:${mailAddress}`
          : publicUrl
            ? publicUrl.origin
            : 'mailto:stock-tracker@localhost'),
      webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
    },
  } satisfies Config);
}

type Env = z.infer<typeof envSchema>;

/**
 * Which sources are on and in what order each capability asks them. MARKET_DATA defaults to live
 * with a Finnhub key and to the simulated market without one, so a first start works offline;
 * `live` without a key runs on the keyless sources alone.
 */
function marketConfig(e: Env): Config['market'] {
  const mode = e.MARKET_DATA ?? (e.FINNHUB_API_KEY ? 'live' : 'simulated');
  if (mode === 'simulated') return { kind: 'simulated', seed: e.SIMULATED_MARKET_SEED };
  const timeoutMs = e.SOURCE_TIMEOUT_MS;
  const finnhub: FinnhubConfig | undefined = e.FINNHUB_API_KEY
    ? {
        apiKey: e.FINNHUB_API_KEY,
        apiUrl: e.FINNHUB_API_URL.replace(/\/+$/, ''),
        wsUrl: e.FINNHUB_WS_URL,
        restPerMinute: e.FINNHUB_REST_PER_MINUTE,
        timeoutMs: e.FINNHUB_TIMEOUT_MS,
        wsIdleMs: e.FINNHUB_WS_IDLE_MS,
        wsMaxSymbols: e.FINNHUB_WS_MAX_SYMBOLS,
        wsReconnectMinMs: e.FINNHUB_WS_RECONNECT_MIN_MS,
        wsReconnectMaxMs: Math.max(e.FINNHUB_WS_RECONNECT_MAX_MS, e.FINNHUB_WS_RECONNECT_MIN_MS),
      }
    : undefined;
  const yahoo =
    e.YAHOO_FINANCE === 'on' ? { apiUrl: e.YAHOO_API_URL.replace(/\/+$/, ''), timeoutMs } : undefined;
  const binance =
    e.BINANCE_STREAM === 'on'
      ? { wsUrl: e.BINANCE_WS_URL, apiUrl: e.BINANCE_API_URL.replace(/\/+$/, ''), timeoutMs }
      : undefined;
  const alphaVantage = e.ALPHA_VANTAGE_API_KEY
    ? { apiKey: e.ALPHA_VANTAGE_API_KEY, apiUrl: e.ALPHA_VANTAGE_API_URL.replace(/\/+$/, ''), timeoutMs }
    : undefined;
  const on = new Set<SourceId>();
  if (finnhub) on.add('finnhub');
  if (yahoo) on.add('yahoo');
  if (binance) on.add('binance');
  if (alphaVantage) on.add('alphavantage');
  if (on.size === 0) {
    throw new ConfigError(
      'MARKET_DATA=live needs at least one source: set FINNHUB_API_KEY or ALPHA_VANTAGE_API_KEY, or leave YAHOO_FINANCE / BINANCE_STREAM on.',
    );
  }
  const order = Object.fromEntries(
    CAPABILITIES.map((capability) => {
      const variable = sourceOrderVariable(capability);
      const listed = (e as Record<string, unknown>)[variable] as string[] | undefined;
      for (const id of listed ?? []) {
        if (!isSourceId(id) || id === 'simulated') {
          throw new ConfigError(
            `${variable}: "${id}" is no source; use ${['finnhub', 'yahoo', 'binance', 'alphavantage'].join(', ')}.`,
          );
        }
        if (!SOURCE_CAPABILITIES[id].includes(capability)) {
          throw new ConfigError(
            `${variable}: ${SOURCE_NAMES[id]} does not serve ${capability.replace('_', ' ')}; it serves ${SOURCE_CAPABILITIES[id].join(', ')}.`,
          );
        }
      }
      const ids = (listed ?? DEFAULT_SOURCE_ORDER[capability]) as readonly SourceId[];
      return [capability, ids.filter((id) => on.has(id))];
    }),
  ) as Record<Capability, SourceId[]>;
  return { kind: 'live', finnhub, yahoo, binance, alphaVantage, order };
}

/** The start log's one-line summary; never includes a credential. */
export function describeConfig(config: Config, listeningUrl: string): string {
  const database =
    config.database.kind === 'postgres'
      ? `PostgreSQL at ${redactUrl(config.database.url)}`
      : `embedded PostgreSQL (PGlite) in ${config.database.dataDir}`;
  const market =
    config.market.kind === 'live'
      ? liveSources(config.market)
      : `simulated market (seed ${config.market.seed}; set FINNHUB_API_KEY or MARKET_DATA=live for real prices)`;
  const cluster = config.redis
    ? ` | cluster member ${config.instanceId} over Redis at ${redactUrl(config.redis.url)}`
    : '';
  return `Stock Tracker ready at ${config.publicUrl?.origin ?? listeningUrl} | database: ${database} | market data: ${market}${cluster}`;
}

function liveSources(market: Extract<Config['market'], { kind: 'live' }>): string {
  const names: string[] = [];
  if (market.finnhub) names.push(`Finnhub (${new URL(market.finnhub.apiUrl).host})`);
  if (market.yahoo) names.push('Yahoo Finance');
  if (market.binance) names.push('Binance');
  if (market.alphaVantage) names.push('Alpha Vantage');
  return names.join(', ');
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
