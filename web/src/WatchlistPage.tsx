import { type FormEvent, type KeyboardEvent, memo, useCallback, useEffect, useRef, useState } from 'react';
import {
  ApiError,
  api,
  type Preferences,
  type Quote,
  type SortKey,
  type SymbolMatch,
  type WatchlistColumn,
  type WatchlistItem,
} from './api';
import { useColumnChooser } from './ColumnChooser';
import { ALL_COLUMNS, COLUMNS, sortItems } from './columns';
import { describeSource, formatTime } from './format';
import { navigate, stockPath } from './router';
import { SortableHeader } from './SortableHeader';
import { Sparkline } from './Sparkline';
import { useSessionEndedHandler } from './session';
import { type ConnectionState, type FeedStatus, openPriceStream } from './stream';

type Flash = { direction: 'up' | 'down'; count: number };

const CHOOSABLE = ALL_COLUMNS.map((column) => ({ column, label: COLUMNS[column].label }));
const SORT_KEYS: Array<{ key: SortKey; label: string }> = [
  { key: 'addedAt', label: 'Date added' },
  { key: 'symbol', label: 'Symbol' },
  ...ALL_COLUMNS.map((column) => ({ key: column, label: COLUMNS[column].label })),
];

/** Shown until the user's saved choice arrives; the same as the server's defaults. */
const DEFAULT_WATCHLIST: Preferences['watchlist'] = {
  columns: ['price', 'change', 'changePercent', 'volume', 'updated'],
  sort: { column: 'addedAt', direction: 'asc' },
};

/**
 * What a phone shows without scrolling sideways: the first three chosen columns, less the change in
 * money when the change in percent is shown too.
 */
function hiddenWhenNarrow(column: WatchlistColumn, index: number, columns: WatchlistColumn[]): boolean {
  return index >= 3 || (column === 'change' && columns.includes('changePercent'));
}

export function WatchlistPage({ onSessionEnded }: { onSessionEnded: () => void }) {
  const [items, setItems] = useState<WatchlistItem[] | null>(null);
  const [flashes, setFlashes] = useState<Record<string, Flash>>({});
  const [feed, setFeed] = useState<FeedStatus | null>(null);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [lastUpdate, setLastUpdate] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [sparklines, setSparklines] = useState<Record<string, number[]>>({});
  const [view, setView] = useState<Preferences['watchlist']>(DEFAULT_WATCHLIST);
  const [saveError, setSaveError] = useState<string | null>(null);
  const pending = useRef(new Map<string, Quote>());
  const frame = useRef<number | null>(null);

  const handleError = useSessionEndedHandler(onSessionEnded);

  useEffect(() => {
    api
      .preferences()
      .then((preferences) => setView(preferences.watchlist))
      .catch(handleError);
  }, [handleError]);

  const changeView = (next: Preferences['watchlist']) => {
    const previous = view;
    setView(next);
    setSaveError(null);
    api.savePreferences({ watchlist: next }).catch((error: unknown) => {
      handleError(error);
      setView(previous);
      setSaveError(error instanceof ApiError ? error.message : 'Could not save your columns.');
    });
  };
  const columnChooser = useColumnChooser({
    value: view,
    columns: CHOOSABLE,
    sortKeys: SORT_KEYS,
    onChange: changeView,
  });

  const sortBy = (column: SortKey) => {
    const direction = view.sort.column === column ? (view.sort.direction === 'asc' ? 'desc' : 'asc') : 'asc';
    changeView({ ...view, sort: { column, direction } });
  };

  const loadSparklines = useCallback(() => {
    api
      .sparklines()
      .then((result) => setSparklines(result.sparklines))
      .catch(() => {
        // Sparklines are decoration: the table works without them.
      });
  }, []);

  useEffect(() => {
    api
      .watchlist()
      .then(({ items }) => {
        setItems(items);
        if (items.length > 0) loadSparklines();
      })
      .catch((error: unknown) => {
        handleError(error);
        setLoadError(error instanceof ApiError ? error.message : 'Could not load your watchlist.');
      });
  }, [handleError, loadSparklines]);

  // Stream updates are batched and applied once per animation frame, however fast they arrive.
  const applyPending = useCallback(() => {
    frame.current = null;
    const quotes = [...pending.current.values()];
    pending.current.clear();
    if (quotes.length === 0) return;
    const bySymbol = new Map(quotes.map((q) => [q.symbol, q]));
    setItems((current) => {
      if (!current) return current;
      const moved: Record<string, 'up' | 'down'> = {};
      const next = current.map((item) => {
        const quote = bySymbol.get(item.symbol);
        if (!quote) return item;
        const before = item.quote?.price;
        if (before !== undefined && quote.price !== before)
          moved[item.symbol] = quote.price > before ? 'up' : 'down';
        return { ...item, quote };
      });
      if (Object.keys(moved).length > 0) {
        setFlashes((old) => {
          const updated = { ...old };
          for (const [symbol, direction] of Object.entries(moved)) {
            updated[symbol] = { direction, count: (old[symbol]?.count ?? 0) + 1 };
          }
          return updated;
        });
      }
      return next;
    });
    setLastUpdate(new Date().toISOString());
  }, []);

  useEffect(() => {
    const close = openPriceStream({
      onQuotes: (quotes) => {
        for (const quote of quotes) pending.current.set(quote.symbol, quote);
        frame.current ??= requestAnimationFrame(applyPending);
      },
      onFeedStatus: setFeed,
      onConnection: setConnection,
      onUnauthorized: onSessionEnded,
    });
    return () => {
      close();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    };
  }, [applyPending, onSessionEnded]);

  // Stable callbacks: rows and the add form are memoised, and re-render only when their own data
  // changes, not on every tick of another symbol.
  const remove = useCallback(
    async (symbol: string) => {
      try {
        await api.removeSymbol(symbol);
        setItems((current) => current?.filter((item) => item.symbol !== symbol) ?? current);
      } catch (error) {
        handleError(error);
        if (error instanceof ApiError && error.code === 'not_in_portfolio') {
          setItems((current) => current?.filter((item) => item.symbol !== symbol) ?? current);
        }
      }
    },
    [handleError],
  );

  const added = useCallback(
    (item: WatchlistItem) => {
      setItems((current) =>
        current && !current.some((i) => i.symbol === item.symbol) ? [...current, item] : current,
      );
      // The new symbol's past is loaded as it is added; its line is ready now.
      loadSparklines();
    },
    [loadSparklines],
  );

  return (
    <>
      <StatusBanner feed={feed} connection={connection} />
      <section className="card">
        <div className="card-header">
          <h1>Watchlist</h1>
          <span className="updated muted small" aria-live="polite">
            {lastUpdate ? `Last updated ${formatTime(lastUpdate)}` : 'Waiting for prices…'}
          </span>
          {columnChooser.button}
        </div>
        {columnChooser.panel}
        {saveError && (
          <p className="form-error" role="alert">
            {saveError}
          </p>
        )}
        <AddSymbolForm onAdded={added} onError={handleError} />
        {loadError && <p className="form-error">{loadError}</p>}
        {items && items.length === 0 && (
          <p className="empty">
            Your watchlist is empty. Add a symbol such as AAPL, VOD.L or BINANCE:BTCUSDT.
          </p>
        )}
        {items && items.length > 0 && (
          <div className="table-scroll">
            <table className="watchlist">
              <thead>
                <tr>
                  <SortableHeader label="Symbol" column="symbol" sort={view.sort} onSort={sortBy} />
                  <th scope="col" className="hide-narrow">
                    <span className="visually-hidden">Today</span>
                  </th>
                  {view.columns.map((column, index) => (
                    <SortableHeader
                      key={column}
                      label={COLUMNS[column].heading ?? COLUMNS[column].label}
                      fullLabel={COLUMNS[column].label}
                      column={column}
                      sort={view.sort}
                      onSort={sortBy}
                      className={`${COLUMNS[column].numeric ? 'num' : ''} ${hiddenWhenNarrow(column, index, view.columns) ? 'hide-narrow' : ''}`}
                    />
                  ))}
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sortItems(items, view.sort.column, view.sort.direction).map((item) => (
                  <Row
                    key={item.symbol}
                    item={item}
                    columns={view.columns}
                    flash={flashes[item.symbol]}
                    sparkline={sparklines[item.symbol]}
                    onRemove={remove}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

const Row = memo(function Row({
  item,
  columns,
  flash,
  sparkline,
  onRemove,
}: {
  item: WatchlistItem;
  columns: WatchlistColumn[];
  flash: Flash | undefined;
  sparkline: number[] | undefined;
  onRemove: (symbol: string) => void;
}) {
  const q = item.quote;
  const trend = q?.change ? (q.change > 0 ? 'up' : 'down') : 'flat';
  // Alternating the class name restarts the CSS animation on every change.
  const flashClass = flash ? `flash-${flash.direction}-${flash.count % 2}` : '';
  const priceSource = describeSource(q?.source, q?.delayMinutes);
  return (
    <tr data-symbol={item.symbol} className={q?.stale ? 'stale' : undefined}>
      <th scope="row">
        <a
          className="row-link"
          href={stockPath(item.symbol)}
          onClick={(event) => {
            if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            navigate(stockPath(item.symbol));
          }}
        >
          <span className="symbol">{item.symbol}</span>
          <span className="name">{item.name}</span>
        </a>
      </th>
      <td className="hide-narrow">
        <Sparkline points={sparkline && q ? [...sparkline, q.price] : (sparkline ?? [])} trend={trend} />
      </td>
      {columns.map((column, index) => {
        const spec = COLUMNS[column];
        const classes = [
          spec.numeric ? 'num' : '',
          spec.trend ? trend : '',
          column === 'price' ? `price ${flashClass}` : '',
          column === 'updated' ? 'muted' : '',
          hiddenWhenNarrow(column, index, columns) ? 'hide-narrow' : '',
        ];
        return (
          <td
            key={column}
            className={classes.filter(Boolean).join(' ')}
            data-testid={column === 'price' ? 'price' : undefined}
            data-column={column}
            title={column === 'price' ? (priceSource ?? undefined) : undefined}
          >
            {spec.render(item)}
          </td>
        );
      })}
      <td className="actions">
        <button
          type="button"
          className="remove"
          aria-label={`Remove ${item.symbol}`}
          title={`Remove ${item.symbol}`}
          onClick={() => onRemove(item.symbol)}
        >
          ×
        </button>
      </td>
    </tr>
  );
});

/** Pause in typing before the add box asks the server for matching symbols. */
const SEARCH_DEBOUNCE_MS = 250;

const AddSymbolForm = memo(function AddSymbolForm({
  onAdded,
  onError,
}: {
  onAdded: (item: WatchlistItem) => void;
  onError: (error: unknown) => void;
}) {
  const [symbol, setSymbol] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [suggestions, setSuggestions] = useState<SymbolMatch[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const searchSeq = useRef(0);

  useEffect(() => {
    const query = symbol.trim();
    const seq = ++searchSeq.current;
    if (query.length === 0) {
      setSuggestions([]);
      return;
    }
    const timer = window.setTimeout(() => {
      api
        .searchSymbols(query)
        .then(({ results }) => {
          // Only the answer to the latest text counts; earlier ones may arrive late.
          if (seq !== searchSeq.current) return;
          setSuggestions(results.slice(0, 8));
          setActive(-1);
        })
        .catch(() => {
          if (seq === searchSeq.current) setSuggestions([]);
        });
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [symbol]);

  const add = async (value: string) => {
    if (!value.trim()) {
      setError('Type a symbol, e.g. AAPL.');
      return;
    }
    setBusy(true);
    setError(null);
    setOpen(false);
    try {
      const { item } = await api.addSymbol(value);
      onAdded(item);
      setSymbol('');
      setSuggestions([]);
    } catch (err) {
      onError(err);
      setError(
        err instanceof ApiError ? (Object.values(err.fields)[0]?.[0] ?? err.message) : 'Could not add it.',
      );
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = open && active >= 0 ? suggestions[active]?.symbol : undefined;
    void add(chosen ?? symbol);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' && suggestions.length > 0) {
      event.preventDefault();
      setOpen(true);
      setActive((current) => (current + 1) % suggestions.length);
    } else if (event.key === 'ArrowUp' && suggestions.length > 0) {
      event.preventDefault();
      setOpen(true);
      setActive((current) => (current <= 0 ? suggestions.length - 1 : current - 1));
    } else if (event.key === 'Escape') {
      setOpen(false);
      setActive(-1);
    }
  };

  const showList = open && suggestions.length > 0;
  return (
    <form className="add-form" onSubmit={submit} noValidate>
      <label htmlFor="add-symbol" className="visually-hidden">
        Symbol to add
      </label>
      <div className="combobox">
        <input
          id="add-symbol"
          name="symbol"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls="symbol-suggestions"
          aria-activedescendant={showList && active >= 0 ? `symbol-suggestion-${active}` : undefined}
          placeholder="Add a symbol: AAPL, VOD.L, BINANCE:BTCUSDT"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          value={symbol}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'add-symbol-error' : undefined}
          onChange={(e) => {
            setSymbol(e.target.value);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
          onFocus={() => setOpen(true)}
        />
        {showList && (
          <div className="suggestions" id="symbol-suggestions" role="listbox" aria-label="Matching symbols">
            {suggestions.map((match, index) => (
              <div
                key={match.symbol}
                id={`symbol-suggestion-${index}`}
                role="option"
                tabIndex={-1}
                aria-selected={index === active}
                // mousedown, not click: the input keeps focus and the list is not closed by its blur first.
                onMouseDown={(event) => {
                  event.preventDefault();
                  void add(match.symbol);
                }}
              >
                <span className="symbol">{match.symbol}</span>
                <span className="description">{match.description}</span>
                <span className="type">{match.type}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Add
      </button>
      {error && (
        <p className="form-error" id="add-symbol-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
});

/**
 * The feed's state. Its line is there from the first paint, though the state only arrives with the
 * stream's first frame: the watchlist below does not jump when it does (layout shift), and screen
 * readers hear each change of the live region.
 */
function StatusBanner({ feed, connection }: { feed: FeedStatus | null; connection: ConnectionState }) {
  return (
    <div className="status-slot" role="status">
      <StatusMessage feed={feed} connection={connection} />
    </div>
  );
}

function StatusMessage({ feed, connection }: { feed: FeedStatus | null; connection: ConnectionState }) {
  if (connection === 'closed') {
    return <div className="banner warning">Connection lost. Reconnecting…</div>;
  }
  if (connection === 'refused') {
    return (
      <div className="banner warning">
        Live prices are off in this tab: your account has too many tabs or devices showing them. Close some,
        then reload this page.
      </div>
    );
  }
  if (feed === 'simulated') {
    return (
      <div className="banner info">
        Simulated market: prices are generated, not real. Set <code>FINNHUB_API_KEY</code> for real prices.
      </div>
    );
  }
  if (feed === 'reconnecting') {
    return (
      <div className="banner warning">The market data feed is reconnecting; prices may be out of date.</div>
    );
  }
  if (feed === 'unauthorized') {
    return (
      <div className="banner warning">
        Prices are not updating: the market data provider refused this server’s API key.
      </div>
    );
  }
  if (feed === 'degraded') {
    return (
      <div className="banner warning">
        Some prices are refreshed every minute or two, not streamed live: past the stream's symbol limit, or
        from a source that has no stream. Each price says where it came from.
      </div>
    );
  }
  return (
    <div className="banner quiet">
      {feed === 'live' ? 'Prices stream live from the market.' : 'Connecting to live prices…'}
    </div>
  );
}
