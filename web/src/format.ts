import { type Delay, describeDelay, SOURCE_NAMES, type SourceId } from '../../src/market/kernel/sources.js';

/**
 * Intl formatters take long to make (locale data, options) and nothing to reuse: each distinct one is
 * made once. A watchlist re-renders on every price tick, and each row formats several figures.
 */
function reused<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let formatter = made.get(key);
    if (formatter === undefined) {
      formatter = make(key);
      made.set(key, formatter);
    }
    return formatter;
  };
}

/** Null for codes Intl does not take as a currency (USDT). */
function orNull<T>(make: () => T): T | null {
  try {
    return make();
  } catch {
    return null;
  }
}

/**
 * `currency:decimals`: the currency's own symbol and placement for the user's locale (CHF 12.50,
 * 12,50 €, ¥2,750), or null for codes Intl does not take.
 */
const currencyFormatter = reused((key) => {
  const [currency, decimals] = key.split(':');
  return orNull(
    () =>
      new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
        minimumFractionDigits: Number(decimals),
        maximumFractionDigits: Number(decimals),
      }),
  );
});

const decimalFormatter = reused(
  (decimals) =>
    new Intl.NumberFormat(undefined, {
      minimumFractionDigits: Number(decimals),
      maximumFractionDigits: Number(decimals),
    }),
);

const COMPACT = { notation: 'compact', maximumFractionDigits: 2 } as const;
const compactFormatter = new Intl.NumberFormat(undefined, COMPACT);
const compactCurrencyFormatter = reused((currency) =>
  orNull(
    () =>
      new Intl.NumberFormat(undefined, {
        ...COMPACT,
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
      }),
  ),
);

const timeFormatter = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * A price in its trading currency with enough decimals to show a move: 2 for ordinary prices, up to
 * 5 for FX rates, up to 8 for sub-unit prices (small coins, penny stocks).
 */
export function formatPrice(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined) return '—';
  const decimals = priceDecimals(value);
  const formatter = currency ? currencyFormatter(`${currency}:${decimals}`) : null;
  if (formatter) return formatter.format(value);
  const text = decimalFormatter(String(decimals)).format(value);
  return currency ? `${text} ${currency}` : text;
}

/** Market capitalisation at a glance: $3.89T, 812.4M CHF. */
export function formatCompactMoney(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined) return '—';
  const formatter = currency ? compactCurrencyFormatter(currency) : null;
  if (formatter) return formatter.format(value);
  const text = compactFormatter.format(value);
  return currency ? `${text} ${currency}` : text;
}

/** A change shown with the precision of the price it belongs to. */
export function formatChange(value: number | null | undefined, price: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  const text = decimalFormatter(String(priceDecimals(price ?? value))).format(Math.abs(value));
  return `${sign}${text}`;
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  return `${sign}${Math.abs(value).toFixed(2)}%`;
}

/** 1,234 / 12.3K / 4.56M / 1.2B: traded volume at a glance. */
export function formatVolume(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return compactFormatter.format(value);
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  return timeFormatter.format(new Date(iso));
}

function priceDecimals(value: number): number {
  const abs = Math.abs(value);
  if (abs >= 1000) return 2;
  if (abs >= 1) return Math.min(5, Math.max(2, decimalsOf(value)));
  return Math.min(8, Math.max(4, decimalsOf(value)));
}

function decimalsOf(value: number): number {
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

const dateTimeFormatter = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A moment in the viewer's time zone, to the minute: "Mar 4, 15:32". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTimeFormatter.format(new Date(iso));
}

/** An amount of money to two decimals, in its currency: $1,576.50. */
export function formatMoney(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const formatter = currency ? currencyFormatter(`${currency}:2`) : null;
  if (formatter) return formatter.format(value);
  const text = decimalFormatter('2').format(value);
  return currency ? `${text} ${currency}` : text;
}

/** A gain or loss with its sign: +$73.50, −$12.00. */
export function formatSignedMoney(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  return `${sign}${formatMoney(Math.abs(value), currency)}`;
}

const quantityFormatter = new Intl.NumberFormat(undefined, { maximumFractionDigits: 8 });

/** A number of units, fractional ones to 8 decimals (crypto). */
export function formatQuantity(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return quantityFormatter.format(value);
}

/**
 * Where a price came from and how old it is: "Yahoo Finance, 15 min delayed", "Finnhub, real time";
 * the simulated market's name alone (its prices are made up, not late). Null when unknown (a quote
 * stored before sources were recorded).
 */
export function describeSource(
  source: SourceId | null | undefined,
  delay: Delay | null | undefined,
): string | null {
  if (!source) return null;
  const name = SOURCE_NAMES[source];
  return source === 'simulated' || delay === null || delay === undefined
    ? name
    : `${name}, ${describeDelay(delay)}`;
}

/**
 * The chart's sources: "Past prices: Yahoo Finance (end of day) · Live: Binance, real time"; one
 * "Prices: …" when one source gave both and the past needs no delay of its own; null when neither is known.
 */
export function describeChartSources(
  past: { id: SourceId; delay: Delay | null } | null,
  live: { id: SourceId; delay: Delay | null } | null,
): string | null {
  const liveText = live && describeSource(live.id, live.delay);
  if (!past) return liveText && `Live: ${liveText}`;
  const pastName = SOURCE_NAMES[past.id];
  const pastText =
    past.id === 'simulated' || past.delay === null ? pastName : `${pastName} (${describeDelay(past.delay)})`;
  if (!liveText) return `Past prices: ${pastText}`;
  if (live?.id === past.id && pastText === pastName) return `Prices: ${liveText}`;
  return `Past prices: ${pastText} · Live: ${liveText}`;
}
