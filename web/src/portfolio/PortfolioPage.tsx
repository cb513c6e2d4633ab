import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ApiError,
  api,
  type HoldingsView,
  type PerformanceRange,
  type PerformanceView,
  type PortfolioAccount,
  type PortfolioSettings,
  type Quote,
} from '../api';
import { useSessionEndedHandler } from '../session';
import { openPriceStream } from '../stream';
import { AccountsSection } from './AccountsSection';
import { Allocation } from './Allocation';
import { HoldingsTable } from './HoldingsTable';
import { type HoldingsTableView, savedHoldingsView, saveHoldingsView } from './holding-columns';
import { ImportWizard } from './ImportWizard';
import { livePortfolio } from './live-holdings';
import { SettingsBar } from './SettingsBar';
import { Totals } from './Totals';
import { TransactionsSection } from './TransactionsSection';

/** The chart and its library, fetched when the page first draws the value chart. */
const ValueChart = lazy(() => import('./ValueChart').then((module) => ({ default: module.ValueChart })));

/**
 * What you own, what it cost and what it is worth now: totals and returns, holdings, allocation, the
 * value over time, accounts, transactions and imports. Prices move with the stream, at most once per
 * animation frame; every change to the ledger reads the server's exact figures again.
 */
export function PortfolioPage({ onSessionEnded }: { onSessionEnded: () => void }) {
  const handleError = useSessionEndedHandler(onSessionEnded);
  const [settings, setSettings] = useState<PortfolioSettings | null>(null);
  const [accounts, setAccounts] = useState<PortfolioAccount[] | null>(null);
  const [accountId, setAccountId] = useState<string | undefined>(undefined);
  const [view, setView] = useState<HoldingsView | null>(null);
  const [range, setRange] = useState<PerformanceRange>('1y');
  const [performance, setPerformance] = useState<PerformanceView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tableView, setTableView] = useState<HoldingsTableView>(savedHoldingsView);
  /** Bumped by every change to the ledger or the settings: what depends on it is read again. */
  const [version, setVersion] = useState(0);
  const [prices, setPrices] = useState<ReadonlyMap<string, number>>(new Map());
  const pending = useRef(new Map<string, number>());
  const frame = useRef<number | null>(null);

  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const failed = useCallback(
    (error: unknown, fallback: string) => {
      handleError(error);
      setLoadError(error instanceof ApiError ? error.message : fallback);
    },
    [handleError],
  );

  useEffect(() => {
    api
      .portfolioSettings()
      .then(setSettings)
      .catch((error: unknown) => failed(error, 'Could not load your settings.'));
  }, [failed]);

  // `version` is in the list as the signal to read again.
  useEffect(() => {
    api
      .accounts()
      .then(({ accounts }) => {
        setAccounts(accounts);
        setAccountId((current) => (accounts.some((a) => a.id === current) ? current : undefined));
      })
      .catch((error: unknown) => failed(error, 'Could not load your accounts.'));
  }, [version, failed]);

  // `version` is in the list as the signal to read again.
  useEffect(() => {
    let cancelled = false;
    api
      .holdings({ account: accountId })
      .then((next) => {
        if (cancelled) return;
        setView(next);
        setLoadError(null);
      })
      .catch((error: unknown) => failed(error, 'Could not load your holdings.'));
    return () => {
      cancelled = true;
    };
  }, [accountId, version, failed]);

  // `version` is in the list as the signal to read again.
  useEffect(() => {
    let cancelled = false;
    api
      .performance({ range, account: accountId })
      .then((next) => {
        if (!cancelled) setPerformance(next);
      })
      .catch((error: unknown) => failed(error, 'Could not load the performance.'));
    return () => {
      cancelled = true;
    };
  }, [range, accountId, version, failed]);

  // Quotes are gathered as they arrive and applied once per animation frame, however many come.
  const applyPending = useCallback(() => {
    frame.current = null;
    if (pending.current.size === 0) return;
    const arrived = pending.current;
    pending.current = new Map();
    setPrices((current) => {
      const next = new Map(current);
      for (const [symbol, price] of arrived) next.set(symbol, price);
      return next;
    });
  }, []);

  useEffect(() => {
    const close = openPriceStream({
      onQuotes: (quotes: Quote[]) => {
        for (const quote of quotes) pending.current.set(quote.symbol, quote.price);
        frame.current ??= requestAnimationFrame(applyPending);
      },
      onUnauthorized: onSessionEnded,
    });
    return () => {
      close();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    };
  }, [applyPending, onSessionEnded]);

  const live = useMemo(() => (view ? livePortfolio(view, prices) : null), [view, prices]);

  // Stable callbacks: the sections that do not show prices are memoised and skip the re-render of
  // every animation frame with new prices.
  const changeSettings = useCallback(
    (change: Partial<PortfolioSettings>) =>
      api.updatePortfolioSettings(change).then((next) => {
        setSettings(next);
        changed();
      }),
    [changed],
  );

  const changeTableView = useCallback((next: HoldingsTableView) => {
    setTableView(next);
    saveHoldingsView(next);
  }, []);

  return (
    <div className="portfolio-page">
      <section className="card" aria-labelledby="portfolio-title">
        <div className="card-header">
          <h1 id="portfolio-title">Portfolio</h1>
          {accounts && accounts.length > 1 && (
            <label className="account-filter">
              <span className="visually-hidden">Show</span>
              <select
                value={accountId ?? ''}
                onChange={(event) => setAccountId(event.target.value || undefined)}
              >
                <option value="">All accounts</option>
                {accounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        {settings && <SettingsBar settings={settings} onChange={changeSettings} onError={handleError} />}
        {loadError && (
          <p className="form-error" role="alert">
            {loadError}
          </p>
        )}
        {accounts?.length === 0 && (
          <p className="hint">Open an account below, then record a transaction or import a file.</p>
        )}
        {live && (
          <Totals
            totals={live.totals}
            baseCurrency={live.baseCurrency}
            costBasis={live.costBasis}
            range={range}
            onRange={setRange}
            performance={performance}
          />
        )}
      </section>
      {live && (
        <section className="card">
          <HoldingsTable
            portfolio={live}
            view={tableView}
            onViewChange={changeTableView}
            accountId={accountId}
            onError={handleError}
          />
        </section>
      )}
      {live && live.holdings.length > 0 && (
        <section className="card">
          <Allocation holdings={live.holdings} baseCurrency={live.baseCurrency} />
        </section>
      )}
      {performance && performance.series.length > 1 && (
        <section className="card" aria-labelledby="value-chart-title">
          <h2 id="value-chart-title">Value over time</h2>
          <Suspense fallback={<div className="chart-placeholder" />}>
            <ValueChart performance={performance} liveValue={live?.totals.value ?? null} />
          </Suspense>
        </section>
      )}
      {accounts && (
        <section className="card">
          <TransactionsSection
            key={accountId ?? 'all'}
            accounts={accounts}
            accountId={accountId}
            version={version}
            onChanged={changed}
            onError={handleError}
          />
        </section>
      )}
      {accounts && accounts.length > 0 && (
        <section className="card">
          <ImportWizard accounts={accounts} onImported={changed} onError={handleError} />
          <p className="small export-links">
            Export every transaction:{' '}
            <a href={api.transactionsExportUrl('csv')} download>
              CSV
            </a>{' '}
            ·{' '}
            <a href={api.transactionsExportUrl('json')} download>
              JSON
            </a>
          </p>
        </section>
      )}
      {accounts && (
        <section className="card">
          <AccountsSection accounts={accounts} onChanged={changed} onError={handleError} />
        </section>
      )}
    </div>
  );
}
