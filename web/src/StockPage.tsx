import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { AlertForm } from './AlertForm';
import { describeRule, isPriceKind } from './alert-rules';
import {
  type AlertRuleView,
  ApiError,
  api,
  type CompanyProfile,
  type HistoryRange,
  type PriceHistory,
  type QuoteDetail,
} from './api';
import {
  describeChartSources,
  describeSource,
  formatChange,
  formatCompactMoney,
  formatPercent,
  formatPrice,
  formatTime,
  formatVolume,
} from './format';
import type { ChartStyle, LivePrice, PriceLevel } from './PriceChart';
import { PositionSection } from './portfolio/PositionSection';
import { followLink, navigate } from './router';
import { useSessionEndedHandler } from './session';
import { openPriceStream } from './stream';

const RANGES: Array<{ range: HistoryRange; label: string }> = [
  { range: '1d', label: '1D' },
  { range: '5d', label: '5D' },
  { range: '1m', label: '1M' },
  { range: '6m', label: '6M' },
  { range: '1y', label: '1Y' },
  { range: '5y', label: '5Y' },
];

const UNWATCHED_REFRESH_MS = 5000;
const STATUS_WORDS: Record<AlertRuleView['status'], string> = {
  active: 'active',
  paused: 'paused',
  fired: 'fired',
  expired: 'expired',
};

/** The chart and its library, fetched when a stock page first draws one. */
const PriceChart = lazy(() => import('./PriceChart').then((module) => ({ default: module.PriceChart })));

/** One symbol: its full quote, and a chart over a chosen range whose last bar follows the live price. */
export function StockPage({ symbol, onSessionEnded }: { symbol: string; onSessionEnded: () => void }) {
  const [quote, setQuote] = useState<QuoteDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [range, setRange] = useState<HistoryRange>('1d');
  const [style, setStyle] = useState<ChartStyle>('candles');
  const [history, setHistory] = useState<PriceHistory | null>(null);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [live, setLive] = useState<LivePrice | null>(null);
  const [watched, setWatched] = useState<boolean | null>(null);
  const [profile, setProfile] = useState<CompanyProfile | null>(null);
  const [rules, setRules] = useState<AlertRuleView[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [draftLevel, setDraftLevel] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const explain = useCallback(
    (err: unknown, fallback: string) => {
      if (err instanceof ApiError && err.status === 401) onSessionEnded();
      if (err instanceof ApiError && err.code === 'data_plan_required')
        return `${symbol} needs a paid data plan: the market data key in use does not cover this market.`;
      return err instanceof ApiError ? err.message : fallback;
    },
    [symbol, onSessionEnded],
  );

  const positionError = useSessionEndedHandler(onSessionEnded);

  useEffect(() => {
    setQuote(null);
    setError(null);
    api
      .quote(symbol)
      .then(setQuote)
      .catch((err: unknown) => setError(explain(err, `Could not load ${symbol}.`)));
    api
      .profile(symbol)
      .then(setProfile)
      .catch(() => setProfile(null));
    api
      .watchlist()
      .then(({ items }) => setWatched(items.some((item) => item.symbol === symbol)))
      .catch(() => setWatched(null));
  }, [symbol, explain]);

  const loadRules = useCallback(() => {
    api
      .alerts()
      .then(({ items }) => setRules(items.filter((rule) => rule.symbol === symbol)))
      .catch(() => setRules(null));
  }, [symbol]);
  useEffect(loadRules, [loadRules]);

  useEffect(() => {
    let cancelled = false;
    setHistoryError(null);
    api
      .history(symbol, range)
      .then((next) => {
        if (!cancelled) setHistory(next);
      })
      .catch((err: unknown) => {
        if (!cancelled) setHistoryError(explain(err, 'Could not load the price history.'));
      });
    return () => {
      cancelled = true;
    };
  }, [symbol, range, explain]);

  useEffect(
    () =>
      openPriceStream({
        onQuotes: (quotes) => {
          const mine = quotes.find((q) => q.symbol === symbol);
          if (!mine) return;
          setQuote((current) => (current ? { ...current, ...mine } : current));
          setLive({ price: mine.price, time: Date.parse(mine.time) });
        },
        // A rule of this page fired: its state (fired, armed again) is read anew.
        onAlert: (alert) => {
          if (alert.symbol === symbol) loadRules();
        },
        onUnauthorized: onSessionEnded,
      }),
    [symbol, onSessionEnded, loadRules],
  );

  // The stream carries only the watchlist's symbols: any other is asked for again every few seconds
  // (the server answers from its cache until the quote is older than QUOTE_FRESH_MS).
  useEffect(() => {
    if (watched !== false) return;
    const timer = window.setInterval(() => {
      api
        .quote(symbol)
        .then((next) => {
          setQuote(next);
          setLive({ price: next.price, time: Date.parse(next.time) });
        })
        .catch(() => {
          // The next poll tries again; the page keeps the last price.
        });
    }, UNWATCHED_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [symbol, watched]);

  const addToWatchlist = () => {
    api
      .addSymbol(symbol)
      .then(() => setWatched(true))
      .catch((err: unknown) => setError(explain(err, `Could not add ${symbol}.`)));
  };

  const currency = quote?.currency ?? null;
  /** The price levels of this symbol's live alerts, and the one being typed, for the chart. */
  const levels = useMemo((): PriceLevel[] => {
    const drawn: PriceLevel[] = (rules ?? [])
      .filter((rule) => isPriceKind(rule.kind) && (rule.status === 'active' || rule.status === 'paused'))
      .map((rule) => ({
        price: rule.threshold,
        title: rule.status === 'paused' ? 'Alert (paused)' : 'Alert',
      }));
    if (draftLevel !== null && draftLevel > 0)
      drawn.push({ price: draftLevel, title: 'New alert', draft: true });
    return drawn;
  }, [rules, draftLevel]);

  const saved = (rule: AlertRuleView, pastThreshold: boolean) => {
    setCreating(false);
    setRules((current) => [...(current ?? []).filter((r) => r.id !== rule.id), rule]);
    setNotice(
      `Alert created: ${describeRule(rule, currency)}.${
        pastThreshold
          ? ' The price is already past this level: the alert waits for the price to come back and cross it.'
          : ''
      }`,
    );
  };

  const trend = quote?.change ? (quote.change > 0 ? 'up' : 'down') : 'flat';
  const priceSource = describeSource(quote?.source, quote?.delayMinutes);
  // The live source follows the price as it streams; the history's says where it was when loaded.
  const liveSource = quote?.source
    ? { id: quote.source, delay: quote.delayMinutes }
    : (history?.sources.live ?? null);
  const chartSources = history && describeChartSources(history.sources.past, liveSource);
  return (
    <section className="card stock-page">
      <a
        href="/"
        className="back-link"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        ← Watchlist
      </a>
      <div className="stock-header">
        <div className="identity">
          {profile?.logoUrl && <img className="logo" src={profile.logoUrl} alt="" width="48" height="48" />}
          <div>
            <h1>{symbol}</h1>
            {profile?.name && <p className="company-name">{profile.name}</p>}
            <p className="muted small">
              {[profile?.exchange, profile?.industry, profile?.country, currency && `Prices in ${currency}`]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </div>
        </div>
        {quote && (
          <div className="stock-price">
            <span className="big-price" data-testid="stock-price">
              {formatPrice(quote.price, currency)}
            </span>
            <span className={trend}>
              {formatChange(quote.change, quote.price)} ({formatPercent(quote.changePercent)})
            </span>
            {priceSource && (
              <span className="muted small" data-testid="price-source">
                {priceSource}
              </span>
            )}
          </div>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {watched === false && !error && (
        <p className="hint">
          {symbol} is not on your watchlist: its price is refreshed periodically rather than streamed live.{' '}
          <button type="button" className="link-button" onClick={addToWatchlist}>
            Add it to your watchlist
          </button>
        </p>
      )}
      {quote && (
        <dl className="stats">
          <Stat label="Open" value={formatPrice(quote.open, currency)} />
          <Stat label="High" value={formatPrice(quote.high, currency)} />
          <Stat label="Low" value={formatPrice(quote.low, currency)} />
          <Stat label="Previous close" value={formatPrice(quote.previousClose, currency)} />
          <Stat label="Volume" value={formatVolume(quote.volume)} />
          <Stat
            label="52-week range"
            value={
              quote.week52Low !== null && quote.week52High !== null
                ? `${formatPrice(quote.week52Low, currency)} – ${formatPrice(quote.week52High, currency)}`
                : '—'
            }
          />
          <Stat label="Market cap" value={formatCompactMoney(quote.marketCap, currency)} />
          <Stat label="Updated" value={formatTime(quote.time)} />
          {profile?.ipo && <Stat label="IPO" value={profile.ipo} />}
        </dl>
      )}
      <PositionSection symbol={symbol} livePrice={quote?.price ?? null} onError={positionError} />
      {profile?.website && (
        <p className="small">
          <a href={profile.website} target="_blank" rel="noopener noreferrer">
            {new URL(profile.website).hostname.replace(/^www\./, '')}
          </a>
        </p>
      )}
      <div className="chart-controls">
        <fieldset className="segmented">
          <legend className="visually-hidden">Range</legend>
          {RANGES.map((option) => (
            <button
              key={option.range}
              type="button"
              aria-pressed={range === option.range}
              onClick={() => setRange(option.range)}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend className="visually-hidden">Chart style</legend>
          <button type="button" aria-pressed={style === 'candles'} onClick={() => setStyle('candles')}>
            Candles
          </button>
          <button type="button" aria-pressed={style === 'line'} onClick={() => setStyle('line')}>
            Line
          </button>
        </fieldset>
      </div>
      {historyError && !error && <p className="form-error">{historyError}</p>}
      {history && (
        // Drawn before the chart's code arrives and kept while the text changes, so nothing below moves.
        <p className="chart-sources" data-testid="chart-sources">
          {chartSources}
        </p>
      )}
      {history && (
        <Suspense fallback={<div className="chart-placeholder" />}>
          <PriceChart
            bars={history.bars}
            resolution={history.resolution}
            style={style}
            live={live}
            currency={currency}
            levels={levels}
          />
        </Suspense>
      )}
      <section className="stock-alerts" aria-labelledby="stock-alerts-title">
        <div className="card-header">
          <h2 id="stock-alerts-title">Alerts</h2>
          {!creating && (
            <button
              type="button"
              className="link-button"
              disabled={!quote}
              onClick={() => {
                setNotice(null);
                setCreating(true);
              }}
            >
              Create alert
            </button>
          )}
        </div>
        <div role="status">{notice && <p className="notice">{notice}</p>}</div>
        {creating && quote && (
          <AlertForm
            symbol={symbol}
            currency={currency}
            lastPrice={quote.price}
            onSaved={saved}
            onCancel={() => setCreating(false)}
            onDraft={setDraftLevel}
            onError={(err) => {
              if (err instanceof ApiError && err.status === 401) onSessionEnded();
            }}
          />
        )}
        {rules && rules.length > 0 && (
          <ul className="rule-list">
            {rules.map((rule) => (
              <li key={rule.id}>
                <span>{describeRule(rule, currency)}</span>{' '}
                <span className={`rule-status status-${rule.status}`}>{STATUS_WORDS[rule.status]}</span>
              </li>
            ))}
          </ul>
        )}
        {rules?.length === 0 && !creating && <p className="muted small">No alerts on {symbol} yet.</p>}
        {rules && rules.length > 0 && (
          <p className="small">
            <a href="/alerts" onClick={followLink}>
              Manage alerts
            </a>
          </p>
        )}
      </section>
    </section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
