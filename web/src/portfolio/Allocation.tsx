import { useEffect, useState } from 'react';
import { api, type CompanyProfile } from '../api';
import { formatMoney } from '../format';
import type { LiveHolding } from './live-holdings';

type Grouping = 'holding' | 'currency' | 'country' | 'sector';

const GROUPINGS: Array<{ grouping: Grouping; label: string }> = [
  { grouping: 'holding', label: 'Holding' },
  { grouping: 'currency', label: 'Currency' },
  { grouping: 'country', label: 'Country' },
  { grouping: 'sector', label: 'Sector' },
];

/** Slices past this many are summed as "Other". */
const MAX_SLICES = 12;
/** Profile requests in flight at once: a 200-holding portfolio must not queue 200 at the server. */
const PROFILE_CONCURRENCY = 4;

/** Profiles asked for in this tab, kept for its lifetime (the server keeps them 7 days). */
const profiles = new Map<string, Promise<CompanyProfile | null>>();
let inFlight = 0;
const waiting: Array<() => void> = [];

function profileOf(symbol: string): Promise<CompanyProfile | null> {
  let found = profiles.get(symbol);
  if (!found) {
    found = new Promise<void>((resolve) => {
      if (inFlight < PROFILE_CONCURRENCY) resolve();
      else waiting.push(resolve);
    }).then(() => {
      inFlight++;
      return api
        .profile(symbol)
        .catch(() => null)
        .finally(() => {
          inFlight--;
          waiting.shift()?.();
        });
    });
    profiles.set(symbol, found);
  }
  return found;
}

interface Slice {
  label: string;
  value: number;
}

function slicesOf(
  holdings: LiveHolding[],
  grouping: Grouping,
  known: ReadonlyMap<string, CompanyProfile | null>,
): Slice[] {
  const sums = new Map<string, number>();
  for (const row of holdings) {
    if (row.baseValue === null || row.baseValue <= 0) continue;
    const profile = known.get(row.holding.symbol);
    const label =
      grouping === 'holding'
        ? row.holding.symbol
        : grouping === 'currency'
          ? row.holding.currency
          : grouping === 'country'
            ? (profile?.country ?? 'Unknown')
            : (profile?.industry ?? 'Unknown');
    sums.set(label, (sums.get(label) ?? 0) + row.baseValue);
  }
  const sorted = [...sums].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value);
  if (sorted.length <= MAX_SLICES) return sorted;
  const other = sorted.slice(MAX_SLICES - 1).reduce((sum, slice) => sum + slice.value, 0);
  return [...sorted.slice(0, MAX_SLICES - 1), { label: 'Other', value: other }];
}

/**
 * Where the money is: by holding, currency, country or sector (the last two from the companies'
 * profiles, fetched when first asked for), as bars whose widths are SVG attributes (the CSP allows
 * no inline style).
 */
export function Allocation({ holdings, baseCurrency }: { holdings: LiveHolding[]; baseCurrency: string }) {
  const [grouping, setGrouping] = useState<Grouping>('holding');
  const [known, setKnown] = useState<ReadonlyMap<string, CompanyProfile | null>>(new Map());
  const needProfiles = grouping === 'country' || grouping === 'sector';
  const symbols = holdings.map((row) => row.holding.symbol).join(' ');

  useEffect(() => {
    if (!needProfiles || symbols === '') return;
    let cancelled = false;
    for (const symbol of symbols.split(' ')) {
      void profileOf(symbol).then((profile) => {
        if (!cancelled) setKnown((current) => new Map(current).set(symbol, profile));
      });
    }
    return () => {
      cancelled = true;
    };
  }, [needProfiles, symbols]);

  const slices = slicesOf(holdings, grouping, known);
  const total = slices.reduce((sum, slice) => sum + slice.value, 0);
  const pending = needProfiles && holdings.some((row) => !known.has(row.holding.symbol));
  const rowHeight = 22;

  return (
    <section aria-labelledby="allocation-title" className="allocation">
      <div className="card-header">
        <h2 id="allocation-title">Allocation</h2>
        <fieldset className="segmented">
          <legend className="visually-hidden">Group by</legend>
          {GROUPINGS.map((option) => (
            <button
              key={option.grouping}
              type="button"
              aria-pressed={grouping === option.grouping}
              onClick={() => setGrouping(option.grouping)}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
      </div>
      {pending && <p className="muted small">Reading the companies' profiles…</p>}
      {slices.length === 0 ? (
        <p className="muted small">Nothing with a known value yet.</p>
      ) : (
        <table className="allocation-table">
          <caption className="visually-hidden">Allocation by {grouping}</caption>
          <tbody>
            {slices.map((slice, index) => {
              const share = total > 0 ? slice.value / total : 0;
              return (
                <tr key={slice.label}>
                  <th scope="row">{slice.label}</th>
                  <td className="bar-cell">
                    <svg
                      className={`allocation-bar slice-${index % 6}`}
                      viewBox={`0 0 100 ${rowHeight}`}
                      preserveAspectRatio="none"
                      aria-hidden="true"
                    >
                      <rect x="0" y="4" width={Math.max(0.5, share * 100)} height={rowHeight - 8} rx="2" />
                    </svg>
                  </td>
                  <td className="num">{(share * 100).toFixed(1)}%</td>
                  <td className="num hide-narrow">{formatMoney(slice.value, baseCurrency)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
