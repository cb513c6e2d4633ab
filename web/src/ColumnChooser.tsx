import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/** The columns a table shows, in order, and what it is sorted by. */
export interface TableView<Column extends string, Sort extends string> {
  columns: Column[];
  sort: { column: Sort; direction: 'asc' | 'desc' };
}

type ChooserProps<Column extends string, Sort extends string> = Omit<
  Parameters<typeof ColumnChooser<Column, Sort>>[0],
  'onClose'
>;

/**
 * A table's "Columns" button and, while it is pressed, its chooser: closing the chooser gives the
 * focus back to the button. The page places both (the button in its header, the panel below it).
 */
export function useColumnChooser<Column extends string, Sort extends string>(
  props: ChooserProps<Column, Sort>,
): { button: ReactNode; panel: ReactNode } {
  const [choosing, setChoosing] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return {
    button: (
      <button
        type="button"
        className="link-button"
        ref={button}
        aria-expanded={choosing}
        onClick={() => setChoosing((open) => !open)}
      >
        Columns
      </button>
    ),
    panel: choosing && (
      <ColumnChooser
        {...props}
        onClose={() => {
          setChoosing(false);
          button.current?.focus();
        }}
      />
    ),
  };
}

/**
 * Which columns a table (the watchlist, the holdings) shows and in what order, and what it is sorted
 * by. Every change is handed to `onChange` at once (the page saves it). Opening it moves the keyboard
 * focus into it; Escape closes it, like Done (`onClose` gives the focus back).
 */
export function ColumnChooser<Column extends string, Sort extends string>({
  value,
  columns,
  sortKeys,
  onChange,
  onClose,
}: {
  value: TableView<Column, Sort>;
  /** Every column that can be shown, with its label. */
  columns: ReadonlyArray<{ column: Column; label: string }>;
  /** Every order besides the columns' own (date added, symbol), with its label. */
  sortKeys: ReadonlyArray<{ key: Sort; label: string }>;
  onChange: (next: TableView<Column, Sort>) => void;
  onClose: () => void;
}) {
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('input, button, select')?.focus();
  }, []);
  const shown = value.columns;
  const hidden = columns.map((c) => c.column).filter((column) => !shown.includes(column));
  const labels = new Map<string, string>(columns.map((c) => [c.column, c.label]));
  const label = (column: Column) => labels.get(column) ?? column;

  const toggle = (column: Column) => {
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
              {label(column)}
            </label>
            <span className="move">
              <button
                type="button"
                aria-label={`Move ${label(column)} up`}
                disabled={index === 0}
                onClick={() => move(index, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                aria-label={`Move ${label(column)} down`}
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
              {label(column)}
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
            onChange({ ...value, sort: { ...value.sort, column: event.target.value as Sort } })
          }
        >
          {sortKeys.map(({ key, label: text }) => (
            <option key={key} value={key}>
              {text}
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
