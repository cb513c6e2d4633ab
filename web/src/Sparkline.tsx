/** A small line of the day's prices; the live price extends it. Nothing is drawn for fewer than two points. */
export function Sparkline({ points, trend }: { points: number[]; trend: 'up' | 'down' | 'flat' }) {
  if (points.length < 2) return <span className="sparkline-empty" aria-hidden="true" />;
  const width = 80;
  const height = 24;
  const min = Math.min(...points);
  const max = Math.max(...points);
  const span = max - min || 1;
  const path = points
    .map((value, i) => {
      const x = (i / (points.length - 1)) * width;
      const y = height - 2 - ((value - min) / span) * (height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <svg
      className={`sparkline ${trend}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden="true"
    >
      <polyline points={path} fill="none" strokeWidth="1.5" />
    </svg>
  );
}
