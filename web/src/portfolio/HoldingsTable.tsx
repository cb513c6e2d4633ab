import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useColumnChooser } from '../ColumnChooser';
import { SortableHeader } from '../SortableHeader';
import { HoldingDetail } from './HoldingDetail';
import {
  HOLDING_CHOOSABLE,
  HOLDING_COLUMN_SPECS,
  HOLDING_SORT_KEYS,
  type HoldingColumn,
  type HoldingSortKey,
  type HoldingsTableView,
  sortHoldings,
} from './holding-columns';
import { type LiveHolding, type LivePortfolio, livePortfolio } from './live-holdings';

/** What a gain or loss is coloured. */
function trendOf(value: number | null): string {
  if (value === null || value === 0) return '';
  return value > 0 ? 'up' : 'down';
}

/**
 * The holdings, one row each, in the chosen columns and order; a row's symbol opens what its figures
 * came from.
 */
export function HoldingsTable({
  portfolio,
  view,
  onViewChange,
  accountId,
  onError,
}: {
  portfolio: LivePortfolio;
  view: HoldingsTableView;
  onViewChange: (view: HoldingsTableView) => void;
  accountId: string | undefined;
  onError: (error: unknown) => void;
}) {
  const [open, setOpen] = useState<string | null>(null);
  const columnChooser = useColumnChooser({
    value: view,
    columns: HOLDING_CHOOSABLE,
    sortKeys: HOLDING_SORT_KEYS,
    onChange: onViewChange,
  });
  const table = useRef<HTMLTableElement>(null);
  const columnCount = view.columns.length;
  const shown = portfolio.holdings.length > 0;
  // Through CSSOM, which the CSP allows (a style attribute it would refuse); the table is drawn
  // once something is held.
  useEffect(() => {
    if (shown) table.current?.style.setProperty('--holding-columns', String(columnCount));
  }, [columnCount, shown]);

  const sortBy = (column: HoldingSortKey) => {
    const direction = view.sort.column === column ? (view.sort.direction === 'asc' ? 'desc' : 'asc') : 'desc';
    onViewChange({ ...view, sort: { column, direction } });
  };
  const toggle = useCallback(
    (symbol: string) => setOpen((current) => (current === symbol ? null : symbol)),
    [],
  );

  // The order follows the server's figures, not each tick: rows do not jump about while prices
  // move (and moving 200 rows 4 times a second would cost frames). It is sorted again when the
  // holdings are read again or another order is chosen.
  const { source } = portfolio;
  const order = useMemo(
    () =>
      sortHoldings(livePortfolio(source, new Map()).holdings, view.sort.column, view.sort.direction).map(
        (row) => row.holding.symbol,
      ),
    [source, view.sort.column, view.sort.direction],
  );
  const bySymbol = new Map(portfolio.holdings.map((row) => [row.holding.symbol, row]));
  const rows = order.flatMap((symbol) => bySymbol.get(symbol) ?? []);

  // Only rows on screen (or nearly) follow the ticks: each changed figure costs layout, and a long
  // portfolio's hidden rows would cost most of it. A row coming into view shows the latest figures.
  const body = useRef<HTMLTableSectionElement>(null);
  const [visible, setVisible] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const element = body.current;
    if (!element) return;
    const observer = new IntersectionObserver(
      (entries) =>
        setVisible((current) => {
          const next = new Set(current);
          for (const entry of entries) {
            const symbol = (entry.target as HTMLElement).dataset.symbol;
            if (symbol === undefined) continue;
            if (entry.isIntersecting) next.add(symbol);
            else next.delete(symbol);
          }
          return next;
        }),
      { rootMargin: '200px 0px' },
    );
    for (const symbol of order) {
      const row = element.querySelector(`tr[data-symbol="${CSS.escape(symbol)}"]`);
      if (row) observer.observe(row);
    }
    return () => observer.disconnect();
  }, [order]);

  return (
    <section aria-labelledby="holdings-title">
      <div className="card-header">
        <h2 id="holdings-title">Holdings</h2>
        {columnChooser.button}
      </div>
      {columnChooser.panel}
      {portfolio.holdings.length === 0 ? (
        <p className="empty">Nothing held yet: record a buy or import your transactions below.</p>
      ) : (
        <div className="table-scroll">
          <table className="watchlist holdings" ref={table}>
            <thead>
              <tr>
                <SortableHeader label="Symbol" column="symbol" sort={view.sort} onSort={sortBy} />
                {view.columns.map((column, index) => (
                  <SortableHeader
                    key={column}
                    label={HOLDING_COLUMN_SPECS[column].heading ?? HOLDING_COLUMN_SPECS[column].label}
                    fullLabel={HOLDING_COLUMN_SPECS[column].label}
                    column={column}
                    sort={view.sort}
                    onSort={sortBy}
                    className={`${HOLDING_COLUMN_SPECS[column].numeric ? 'num' : ''} ${index >= 3 ? 'hide-narrow' : ''}`}
                  />
                ))}
              </tr>
            </thead>
            <tbody ref={body}>
              {rows.map((row) => (
                <HoldingRows
                  key={row.holding.symbol}
                  row={row}
                  columns={view.columns}
                  baseCurrency={portfolio.baseCurrency}
                  expanded={open === row.holding.symbol}
                  visible={visible.has(row.holding.symbol)}
                  onToggle={toggle}
                  accountId={accountId}
                  onError={onError}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface HoldingRowsProps {
  row: LiveHolding;
  columns: HoldingColumn[];
  baseCurrency: string;
  expanded: boolean;
  /** On screen or nearly: off it, live price moves are not drawn (the server's new figures are). */
  visible: boolean;
  onToggle: (symbol: string) => void;
  accountId: string | undefined;
  onError: (error: unknown) => void;
}

/** Whether a row can keep what it drew: off screen, with only live prices changed. */
function unchangedOffScreen(before: HoldingRowsProps, after: HoldingRowsProps): boolean {
  return (
    !before.visible &&
    !after.visible &&
    before.row.holding === after.row.holding &&
    before.columns === after.columns &&
    before.baseCurrency === after.baseCurrency &&
    before.expanded === after.expanded &&
    before.onToggle === after.onToggle &&
    before.accountId === after.accountId &&
    before.onError === after.onError
  );
}

const HoldingRows = memo(function HoldingRows({
  row,
  columns,
  baseCurrency,
  expanded,
  onToggle,
  accountId,
  onError,
}: HoldingRowsProps) {
  const { symbol, name } = row.holding;
  const detailId = `holding-detail-${symbol.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <>
      <tr data-symbol={symbol}>
        <th scope="row">
          <button
            type="button"
            className="row-toggle"
            aria-expanded={expanded}
            aria-controls={expanded ? detailId : undefined}
            onClick={() => onToggle(symbol)}
          >
            <span className="symbol">{symbol}</span>
            {name && <span className="name">{name}</span>}
          </button>
        </th>
        {columns.map((column, index) => {
          const spec = HOLDING_COLUMN_SPECS[column];
          const sortValue = spec.signed ? spec.sortValue(row) : null;
          const classes = [
            spec.numeric ? 'num' : '',
            typeof sortValue === 'number' ? trendOf(sortValue) : '',
            index >= 3 ? 'hide-narrow' : '',
          ];
          return (
            <td key={column} className={classes.filter(Boolean).join(' ')} data-column={column}>
              {spec.render(row, baseCurrency)}
            </td>
          );
        })}
      </tr>
      {expanded && (
        <tr className="holding-detail-row">
          <td colSpan={columns.length + 1} id={detailId}>
            <HoldingDetail row={row} baseCurrency={baseCurrency} accountId={accountId} onError={onError} />
          </td>
        </tr>
      )}
    </>
  );
}, unchangedOffScreen);
