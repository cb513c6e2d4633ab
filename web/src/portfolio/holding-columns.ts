import type { TableView } from '../ColumnChooser';
import { formatMoney, formatPercent, formatPrice, formatQuantity, formatSignedMoney } from '../format';
import type { LiveHolding } from './live-holdings';

export const HOLDING_COLUMNS = [
  'quantity',
  'price',
  'value',
  'cost',
  'averageCost',
  'unrealized',
  'unrealizedPercent',
  'realized',
  'dividends',
  'dayGain',
  'weight',
  'currency',
  'baseValue',
  'currencyEffect',
] as const;
export type HoldingColumn = (typeof HOLDING_COLUMNS)[number];
export type HoldingSortKey = HoldingColumn | 'symbol';
export type HoldingsTableView = TableView<HoldingColumn, HoldingSortKey>;

export interface HoldingColumnSpec {
  label: string;
  heading?: string;
  numeric: boolean;
  /** Coloured as a gain or a loss. */
  signed?: boolean;
  render(row: LiveHolding, baseCurrency: string): string;
  sortValue(row: LiveHolding): number | string | null;
}

const n = (text: string | null): number | null => (text === null ? null : Number(text));

export const HOLDING_COLUMN_SPECS: Record<HoldingColumn, HoldingColumnSpec> = {
  quantity: {
    label: 'Quantity',
    heading: 'Qty',
    numeric: true,
    render: (row) => formatQuantity(row.quantity),
    sortValue: (row) => row.quantity,
  },
  price: {
    label: 'Price',
    numeric: true,
    render: (row) => formatPrice(row.price, row.holding.currency),
    sortValue: (row) => row.price,
  },
  value: {
    label: 'Value',
    numeric: true,
    render: (row) => formatMoney(row.value, row.holding.currency),
    sortValue: (row) => row.baseValue,
  },
  cost: {
    label: 'Cost',
    numeric: true,
    render: (row) => formatMoney(row.cost, row.holding.currency),
    sortValue: (row) => n(row.holding.base.cost),
  },
  averageCost: {
    label: 'Average cost',
    heading: 'Avg cost',
    numeric: true,
    render: (row) => formatPrice(n(row.holding.averageCost), row.holding.currency),
    sortValue: (row) => n(row.holding.averageCost),
  },
  unrealized: {
    label: 'Unrealized P/L',
    heading: 'P/L',
    numeric: true,
    signed: true,
    render: (row) => formatSignedMoney(row.unrealized, row.holding.currency),
    sortValue: (row) => row.unrealized,
  },
  unrealizedPercent: {
    label: 'Unrealized P/L %',
    heading: 'P/L %',
    numeric: true,
    signed: true,
    render: (row) => formatPercent(row.unrealizedPercent),
    sortValue: (row) => row.unrealizedPercent,
  },
  realized: {
    label: 'Realized P/L',
    heading: 'Realized',
    numeric: true,
    signed: true,
    render: (row) => formatSignedMoney(n(row.holding.realized), row.holding.currency),
    sortValue: (row) => n(row.holding.realized),
  },
  dividends: {
    label: 'Dividends',
    numeric: true,
    render: (row) => formatMoney(n(row.holding.dividends), row.holding.currency),
    sortValue: (row) => n(row.holding.dividends),
  },
  dayGain: {
    label: 'Day gain',
    heading: 'Day',
    numeric: true,
    signed: true,
    render: (row) => formatSignedMoney(row.dayGain, row.holding.currency),
    sortValue: (row) => row.dayGain,
  },
  weight: {
    label: 'Share of portfolio',
    heading: 'Share',
    numeric: true,
    render: (row) => (row.weight === null ? '—' : `${row.weight.toFixed(2)}%`),
    sortValue: (row) => row.weight,
  },
  currency: {
    label: 'Currency',
    heading: 'Ccy',
    numeric: false,
    render: (row) => row.holding.currency,
    sortValue: (row) => row.holding.currency,
  },
  baseValue: {
    label: 'Value in base currency',
    heading: 'Base value',
    numeric: true,
    render: (row, base) => formatMoney(row.baseValue, base),
    sortValue: (row) => row.baseValue,
  },
  currencyEffect: {
    label: 'Currency effect',
    heading: 'FX effect',
    numeric: true,
    signed: true,
    render: (row, base) => formatSignedMoney(n(row.holding.base.currencyEffect), base),
    sortValue: (row) => n(row.holding.base.currencyEffect),
  },
};

export const DEFAULT_HOLDINGS_VIEW: HoldingsTableView = {
  columns: ['quantity', 'price', 'value', 'unrealized', 'unrealizedPercent', 'dayGain', 'weight'],
  sort: { column: 'value', direction: 'desc' },
};

export const HOLDING_CHOOSABLE = HOLDING_COLUMNS.map((column) => ({
  column,
  label: HOLDING_COLUMN_SPECS[column].label,
}));
export const HOLDING_SORT_KEYS: Array<{ key: HoldingSortKey; label: string }> = [
  { key: 'symbol', label: 'Symbol' },
  ...HOLDING_CHOOSABLE.map(({ column, label }) => ({ key: column, label })),
];

/** Rows in the chosen order; unknown values (null) last in either direction, then by symbol. */
export function sortHoldings(
  rows: LiveHolding[],
  key: HoldingSortKey,
  direction: 'asc' | 'desc',
): LiveHolding[] {
  const sign = direction === 'asc' ? 1 : -1;
  const keyOf = (row: LiveHolding) =>
    key === 'symbol' ? row.holding.symbol : HOLDING_COLUMN_SPECS[key].sortValue(row);
  return [...rows].sort((a, b) => {
    const x = keyOf(a);
    const y = keyOf(b);
    const bySymbol = a.holding.symbol.localeCompare(b.holding.symbol);
    if (x === null || y === null) return x === y ? bySymbol : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order === 0 ? bySymbol : sign * order;
  });
}

const STORAGE_KEY = 'stock-tracker.holdings-view';

/** The table's columns and order as this browser last left them (kept in localStorage). */
export function savedHoldingsView(): HoldingsTableView {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as HoldingsTableView | null;
    const known = new Set<string>(HOLDING_COLUMNS);
    if (
      saved &&
      Array.isArray(saved.columns) &&
      saved.columns.length > 0 &&
      saved.columns.every((c) => known.has(c)) &&
      (saved.sort.column === 'symbol' || known.has(saved.sort.column)) &&
      (saved.sort.direction === 'asc' || saved.sort.direction === 'desc')
    )
      return saved;
  } catch {
    // Unreadable or from an older version: the defaults.
  }
  return DEFAULT_HOLDINGS_VIEW;
}

export function saveHoldingsView(view: HoldingsTableView): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(view));
  } catch {
    // Storage refused (private mode, quota): the choice lasts for this visit.
  }
}
