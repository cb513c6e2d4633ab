import type { SortKey, WatchlistColumn, WatchlistItem } from './api';
import {
  formatChange,
  formatCompactMoney,
  formatPercent,
  formatPrice,
  formatTime,
  formatVolume,
} from './format';

export interface ColumnSpec {
  label: string;
  /** Shorter header text where the label would be too wide. */
  heading?: string;
  numeric: boolean;
  /** Coloured up/down with the day's change. */
  trend?: boolean;
  render(item: WatchlistItem): string;
  /** What the column sorts by; null sorts last whatever the direction. */
  sortValue(item: WatchlistItem): number | string | null;
}

const quoteNumber =
  (key: 'price' | 'change' | 'changePercent' | 'open' | 'high' | 'low' | 'previousClose' | 'volume') =>
  (item: WatchlistItem) =>
    item.quote?.[key] ?? null;

export const COLUMNS: Record<WatchlistColumn, ColumnSpec> = {
  price: {
    label: 'Price',
    numeric: true,
    render: (item) => (item.quote ? formatPrice(item.quote.price, item.currency) : '…'),
    sortValue: quoteNumber('price'),
  },
  change: {
    label: 'Change',
    numeric: true,
    trend: true,
    render: (item) => formatChange(item.quote?.change, item.quote?.price),
    sortValue: quoteNumber('change'),
  },
  changePercent: {
    label: 'Change %',
    heading: '%',
    numeric: true,
    trend: true,
    render: (item) => formatPercent(item.quote?.changePercent),
    sortValue: quoteNumber('changePercent'),
  },
  open: {
    label: 'Open',
    numeric: true,
    render: (item) => formatPrice(item.quote?.open, item.currency),
    sortValue: quoteNumber('open'),
  },
  high: {
    label: 'High',
    numeric: true,
    render: (item) => formatPrice(item.quote?.high, item.currency),
    sortValue: quoteNumber('high'),
  },
  low: {
    label: 'Low',
    numeric: true,
    render: (item) => formatPrice(item.quote?.low, item.currency),
    sortValue: quoteNumber('low'),
  },
  previousClose: {
    label: 'Previous close',
    heading: 'Prev. close',
    numeric: true,
    render: (item) => formatPrice(item.quote?.previousClose, item.currency),
    sortValue: quoteNumber('previousClose'),
  },
  volume: {
    label: 'Volume',
    numeric: true,
    render: (item) => formatVolume(item.quote?.volume),
    sortValue: quoteNumber('volume'),
  },
  week52Range: {
    label: '52-week range',
    heading: '52 wk',
    numeric: true,
    render: (item) =>
      item.metrics?.week52Low != null && item.metrics.week52High != null
        ? `${formatPrice(item.metrics.week52Low, item.currency)} – ${formatPrice(item.metrics.week52High, item.currency)}`
        : '—',
    // Where the price sits in its yearly range, 0 (at the low) to 1 (at the high).
    sortValue: (item) => {
      const low = item.metrics?.week52Low;
      const high = item.metrics?.week52High;
      const price = item.quote?.price;
      if (low == null || high == null || price === undefined || high === low) return null;
      return (price - low) / (high - low);
    },
  },
  marketCap: {
    label: 'Market cap',
    heading: 'Mkt cap',
    numeric: true,
    render: (item) => formatCompactMoney(item.metrics?.marketCap, item.currency),
    sortValue: (item) => item.metrics?.marketCap ?? null,
  },
  currency: {
    label: 'Currency',
    heading: 'Ccy',
    numeric: false,
    render: (item) => item.currency ?? '—',
    sortValue: (item) => item.currency,
  },
  updated: {
    label: 'Last update',
    heading: 'Updated',
    numeric: true,
    render: (item) => formatTime(item.quote?.time),
    sortValue: (item) => (item.quote ? Date.parse(item.quote.time) : null),
  },
};

export const ALL_COLUMNS = Object.keys(COLUMNS) as WatchlistColumn[];

const sortValue = (item: WatchlistItem, key: SortKey): number | string | null =>
  key === 'symbol' ? item.symbol : key === 'addedAt' ? item.addedAt : COLUMNS[key].sortValue(item);

/** Items in the chosen order; unknown values (null) last in either direction, then by symbol. */
export function sortItems(items: WatchlistItem[], key: SortKey, direction: 'asc' | 'desc'): WatchlistItem[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === null || y === null) {
      if (x === y) return a.symbol.localeCompare(b.symbol);
      return x === null ? 1 : -1;
    }
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order === 0 ? a.symbol.localeCompare(b.symbol) : sign * order;
  });
}
