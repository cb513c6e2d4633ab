/** A column header that sorts its table by the column; clicked again, the other way round. */
export function SortableHeader<Sort extends string>({
  label,
  fullLabel,
  column,
  sort,
  onSort,
  className,
}: {
  label: string;
  fullLabel?: string;
  column: Sort;
  sort: { column: Sort; direction: 'asc' | 'desc' };
  onSort: (column: Sort) => void;
  className?: string;
}) {
  const active = sort.column === column;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button
        type="button"
        className="sort-button"
        title={`Sort by ${fullLabel ?? label}`}
        onClick={() => onSort(column)}
      >
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}
