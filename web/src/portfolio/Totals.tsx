import type { CostBasisMethod, PerformanceRange, PerformanceView } from '../api';
import { formatMoney, formatPercent, formatSignedMoney } from '../format';
import type { LiveTotals } from './live-holdings';

const RANGES: Array<{ range: PerformanceRange; label: string }> = [
  { range: '1m', label: '1M' },
  { range: '6m', label: '6M' },
  { range: 'ytd', label: 'YTD' },
  { range: '1y', label: '1Y' },
  { range: 'all', label: 'All' },
];

function trend(value: number | null): string | undefined {
  if (value === null || value === 0) return undefined;
  return value > 0 ? 'up' : 'down';
}

/** Display only: the server's percent (a decimal string) read as a Number to be shown rounded. */
const percentOf = (text: string | null | undefined): number | null =>
  text === null || text === undefined ? null : Number(text);

/** The portfolio at a glance: value, day gain, P/L, and both returns over the chosen range. */
export function Totals({
  totals,
  baseCurrency,
  costBasis,
  range,
  onRange,
  performance,
}: {
  totals: LiveTotals;
  baseCurrency: string;
  costBasis: CostBasisMethod;
  range: PerformanceRange;
  onRange: (range: PerformanceRange) => void;
  performance: PerformanceView | null;
}) {
  const twr = percentOf(performance?.timeWeightedReturn);
  const mwr = percentOf(performance?.moneyWeightedReturn);
  return (
    <div className="portfolio-totals">
      <dl className="totals-grid">
        <div>
          <dt>Value</dt>
          <dd className="big-figure" data-testid="portfolio-value">
            {formatMoney(totals.value, baseCurrency)}
          </dd>
          <dd className="muted small">incl. cash {formatMoney(totals.cash, baseCurrency)}</dd>
        </div>
        <div>
          <dt>Day gain</dt>
          <dd className={`big-figure ${trend(totals.dayGain) ?? ''}`} data-testid="portfolio-day-gain">
            {formatSignedMoney(totals.dayGain, baseCurrency)}
          </dd>
        </div>
        <div>
          <dt>Total P/L</dt>
          <dd
            className={`big-figure ${trend(totals.totalReturn) ?? ''}`}
            data-testid="portfolio-total-return"
          >
            {formatSignedMoney(totals.totalReturn, baseCurrency)}
          </dd>
          <dd className="muted small">
            unrealized {formatSignedMoney(totals.unrealized, baseCurrency)} (
            {formatPercent(totals.unrealizedPercent)}) · realized{' '}
            {formatSignedMoney(totals.realized, baseCurrency)} · dividends{' '}
            {formatMoney(totals.dividends, baseCurrency)} · cost {formatMoney(totals.cost, baseCurrency)} (
            {costBasis === 'fifo' ? 'FIFO' : 'average cost'})
          </dd>
        </div>
      </dl>
      <div className="returns">
        <fieldset className="segmented">
          <legend className="visually-hidden">Return over</legend>
          {RANGES.map((option) => (
            <button
              key={option.range}
              type="button"
              aria-pressed={range === option.range}
              onClick={() => onRange(option.range)}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
        <dl className="totals-grid">
          <div>
            <dt>Time-weighted return</dt>
            <dd className={`big-figure ${trend(twr) ?? ''}`} data-testid="twr">
              {formatPercent(twr)}
            </dd>
          </div>
          <div>
            <dt>Money-weighted return (a year)</dt>
            <dd className={`big-figure ${trend(mwr) ?? ''}`} data-testid="mwr">
              {performance && mwr === null ? 'n/a' : formatPercent(mwr)}
            </dd>
          </div>
        </dl>
        <p className="hint">
          Time-weighted: how the investments did, whatever you paid in or took out (over the range);
          money-weighted: what your own money earned, counting when it went in or out (a yearly rate).
        </p>
      </div>
    </div>
  );
}
