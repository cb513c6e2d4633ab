import { useEffect, useId, useRef } from 'react';
import type { Preferences, SortKey, WatchlistColumn } from './api';
import { ALL_COLUMNS, COLUMNS } from './columns';

type WatchlistPreferences = Preferences['watchlist'];

/**
 * Which columns the watchlist shows and in what order, and what it is sorted by. Every change is
 * handed to `onChange` at once (the page saves it). Opening it moves the keyboard focus into it;
 * Escape closes it, like Done (`onClose` gives the focus back).
 */
export function ColumnChooser({
  value,
  onChange,
  onClose,
}: {
  value: WatchlistPreferences;
  onChange: (next: WatchlistPreferences) => void;
  onClose: () => void;
}) {
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('input, button, select')?.focus();
  }, []);
  const shown = value.columns;
  const hidden = ALL_COLUMNS.filter((column) => !shown.includes(column));

  const toggle = (column: WatchlistColumn) => {
    if (shown.includes(column)) {
      if (shown.length > 1) onChange({ ...value, columns: shown.filter((c) => c !== column) });
    } else {
      onChange({ ...value, columns: [...shown, column] });
    }
  };
  const move = (index: number, by: -1 | 1) => {
    const columns = [...shown];
    const [column] = columns.splice(index, 1);
    if (!column) return;
    columns.splice(index + by, 0, column);
    onChange({ ...value, columns });
  };

  return (
    <div
      className="column-chooser"
      role="dialog"
      aria-labelledby={`${id}-title`}
      ref={panel}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="chooser-header">
        <h2 id={`${id}-title`}>Columns</h2>
        <button type="button" className="link-button" onClick={onClose}>
          Done
        </button>
      </div>
      <ul>
        {shown.map((column, index) => (
          <li key={column}>
            <label>
              <input type="checkbox" checked onChange={() => toggle(column)} disabled={shown.length === 1} />
              {COLUMNS[column].label}
            </label>
            <span className="move">
              <button
                type="button"
                aria-label={`Move ${COLUMNS[column].label} up`}
                disabled={index === 0}
                onClick={() => move(index, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                aria-label={`Move ${COLUMNS[column].label} down`}
                disabled={index === shown.length - 1}
                onClick={() => move(index, 1)}
              >
                ↓
              </button>
            </span>
          </li>
        ))}
        {hidden.map((column) => (
          <li key={column}>
            <label>
              <input type="checkbox" checked={false} onChange={() => toggle(column)} />
              {COLUMNS[column].label}
            </label>
          </li>
        ))}
      </ul>
      <div className="sort-by">
        <label htmlFor={`${id}-sort`}>Sort by</label>
        <select
          id={`${id}-sort`}
          value={value.sort.column}
          onChange={(event) =>
            onChange({ ...value, sort: { ...value.sort, column: event.target.value as SortKey } })
          }
        >
          <option value="addedAt">Date added</option>
          <option value="symbol">Symbol</option>
          {ALL_COLUMNS.map((column) => (
            <option key={column} value={column}>
              {COLUMNS[column].label}
            </option>
          ))}
        </select>
        <select
          aria-label="Sort direction"
          value={value.sort.direction}
          onChange={(event) =>
            onChange({ ...value, sort: { ...value.sort, direction: event.target.value as 'asc' | 'desc' } })
          }
        >
          <option value="asc">Ascending</option>
          <option value="desc">Descending</option>
        </select>
      </div>
    </div>
  );
}
