import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded Yahoo answer from test/fixtures/yahoo/ (see its README for each file's origin). */
export function yahooFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/yahoo/${name}`, import.meta.url), 'utf8'));
}

/** Yahoo's answer to a chart of a symbol it does not know, sent with status 404. */
export const YAHOO_NOT_FOUND = yahooFixture('chart-not-found.json');

/** Yahoo's 429 body: plain text, not JSON (moneymanagerex/moneymanagerex#7497 shows it with curl). */
export const YAHOO_TOO_MANY_REQUESTS = 'Too Many Requests\r\n';

export type YahooEndpoint = 'chart' | 'search';

export interface YahooRequest {
  endpoint: YahooEndpoint | 'other';
  /** The chart's symbol, decoded from the path (Yahoo's form: BRK-B, EURUSD=X). */
  symbol: string | null;
  query: Record<string, string>;
  userAgent: string | undefined;
}

type Override =
  | { status: number; body: string; contentType?: string; headers?: Record<string, string> }
  | 'hang';

/**
 * Yahoo Finance's query API on loopback (YAHOO_API_URL): `/v8/finance/chart/{symbol}` and
 * `/v1/finance/search`, answering with recorded answers. Charts are kept per Yahoo symbol and
 * interval; a daily chart asked with period1/period2 keeps only the bars in that window, as Yahoo
 * does. A symbol it has no chart for gets Yahoo's 404 "Not Found" body. Switches make an endpoint
 * answer 429 with Yahoo's plain-text body, a 5xx, anything else, or hang (for timeouts); every
 * request is recorded and counted.
 */
export class FakeYahoo {
  readonly requests: YahooRequest[] = [];
  /** Chart answers by `${yahooSymbol} ${interval}`. */
  private readonly charts = new Map<string, unknown>();
  /** Search answers by query (upper-cased); other queries get no quotes. */
  private readonly searches = new Map<string, unknown>();
  private readonly overrides = new Map<YahooEndpoint, Override>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  /** The base URL (YAHOO_API_URL), set by start(). */
  url = '';

  constructor() {
    this.setChart('AAPL', '1d', yahooFixture('chart-AAPL-1d.json'));
    this.setChart('AAPL', '1m', yahooFixture('chart-AAPL-1m-synthetic.json'));
    this.setChart('MSFT', '1d', yahooFixture('chart-MSFT-1d-2021-02-01-to-2022-01-31.json'));
    this.setChart('OCDO.L', '1d', yahooFixture('chart-OCDO.L-1d.json'));
    this.setChart('WSU.DE', '1d', yahooFixture('chart-WSU.DE-1d.json'));
    this.setChart('EURUSD=X', '1d', yahooFixture('chart-EURUSD=X-1d.json'));
    this.setChart('LUCYW', '1d', yahooFixture('chart-LUCYW-1d-null-currency.json'));
    this.setSearch('AAPL', yahooFixture('search-AAPL.json'));
  }

  /** The settings that point the app at this fake (after start()). */
  appEnv(): Record<'YAHOO_API_URL', string> {
    return { YAHOO_API_URL: this.url };
  }

  /** What `/v8/finance/chart/{yahooSymbol}` answers for `interval` ('1d', '1m'). */
  setChart(yahooSymbol: string, interval: string, body: unknown): void {
    this.charts.set(`${yahooSymbol} ${interval}`, body);
  }

  /** Forgets a chart: the symbol is then unknown (404). */
  deleteChart(yahooSymbol: string, interval: string): void {
    this.charts.delete(`${yahooSymbol} ${interval}`);
  }

  setSearch(query: string, body: unknown): void {
    this.searches.set(query.toUpperCase(), body);
  }

  /** Every request to `endpoint` answers this way until `clear(endpoint)`. */
  override(endpoint: YahooEndpoint, override: Override): void {
    this.overrides.set(endpoint, override);
  }

  /** Every request to `endpoint` answers 429 with Yahoo's plain-text body. */
  rateLimit(endpoint: YahooEndpoint): void {
    this.override(endpoint, { status: 429, body: YAHOO_TOO_MANY_REQUESTS, contentType: 'text/plain' });
  }

  clear(endpoint: YahooEndpoint): void {
    this.overrides.delete(endpoint);
  }

  /** Requests made to `endpoint` (for the chart, of `yahooSymbol` if given). */
  count(endpoint: YahooEndpoint, yahooSymbol?: string): number {
    return this.requests.filter(
      (r) => r.endpoint === endpoint && (yahooSymbol === undefined || r.symbol === yahooSymbol),
    ).length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const chartPath = /^\/v8\/finance\/chart\/([^/]+)$/.exec(url.pathname);
    const endpoint: YahooRequest['endpoint'] = chartPath
      ? 'chart'
      : url.pathname === '/v1/finance/search'
        ? 'search'
        : 'other';
    const symbol = chartPath?.[1] ? decodeURIComponent(chartPath[1]) : null;
    this.requests.push({ endpoint, symbol, query, userAgent: req.headers['user-agent'] });

    const override = endpoint === 'other' ? undefined : this.overrides.get(endpoint);
    if (override === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (override) {
      res.writeHead(override.status, {
        'Content-Type': override.contentType ?? 'application/json;charset=utf-8',
        ...override.headers,
      });
      res.end(override.body);
      return;
    }
    if (endpoint === 'chart' && symbol) {
      const body = this.charts.get(`${symbol} ${query.interval ?? '1d'}`);
      if (!body) send(res, 404, YAHOO_NOT_FOUND);
      else
        send(
          res,
          200,
          query.period1 && query.period2
            ? inWindow(body, Number(query.period1), Number(query.period2))
            : body,
        );
      return;
    }
    if (endpoint === 'search') {
      const body = this.searches.get((query.q ?? '').toUpperCase());
      send(res, 200, body ?? { explains: [], count: 0, quotes: [], news: [] });
      return;
    }
    send(res, 404, {
      finance: { result: null, error: { code: 'Not Found', description: 'Path not found' } },
    });
  }
}

/** The chart answer with only the bars stamped from `period1` to `period2` (epoch seconds). */
function inWindow(body: unknown, period1: number, period2: number): unknown {
  const copy = structuredClone(body) as {
    chart: {
      result: Array<{ timestamp?: number[]; indicators: Record<string, Array<Record<string, unknown[]>>> }>;
    };
  };
  const result = copy.chart.result[0];
  if (!result?.timestamp) return copy;
  const keep = result.timestamp.map((t) => t >= period1 && t < period2);
  result.timestamp = result.timestamp.filter((_, i) => keep[i]);
  for (const series of Object.values(result.indicators)) {
    for (const columns of series) {
      for (const [name, values] of Object.entries(columns)) columns[name] = values.filter((_, i) => keep[i]);
    }
  }
  return copy;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' });
  res.end(JSON.stringify(body));
}
