const formatters = new Map<string, Intl.NumberFormat | null>();

/**
 * A cached formatter for `decimals` in `currency`: the currency's own symbol and placement for the
 * user's locale (CHF 12.50, 12,50 €, ¥2,750), or null for codes Intl does not take (USDT).
 */
function currencyFormatter(currency: string, decimals: number): Intl.NumberFormat | null {
  const key = `${currency}:${decimals}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    try {
      formatter = new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
      });
    } catch {
      formatter = null;
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * A price in its trading currency with enough decimals to show a move: 2 for ordinary prices, up to
 * 5 for FX rates, up to 8 for sub-unit prices (small coins, penny stocks).
 */
export function formatPrice(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined) return '—';
  const decimals = priceDecimals(value);
  const formatter = currency ? currencyFormatter(currency, decimals) : null;
  if (formatter) return formatter.format(value);
  const text = value.toLocaleString(undefined, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return currency ? `${text} ${currency}` : text;
}

/** Market capitalisation at a glance: $3.89T, 812.4M CHF. */
export function formatCompactMoney(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined) return '—';
  const compact = { notation: 'compact', maximumFractionDigits: 2 } as const;
  try {
    if (currency)
      return new Intl.NumberFormat(undefined, {
        ...compact,
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
      }).format(value);
  } catch {
    // A code Intl does not know as a currency: shown after the number below.
  }
  const text = new Intl.NumberFormat(undefined, compact).format(value);
  return currency ? `${text} ${currency}` : text;
}

/** A change shown with the precision of the price it belongs to. */
export function formatChange(value: number | null | undefined, price: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  const decimals = priceDecimals(price ?? value);
  const text = Math.abs(value).toLocaleString(undefined, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
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
  return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
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
