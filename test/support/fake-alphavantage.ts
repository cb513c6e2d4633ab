import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded answer from test/fixtures/alphavantage/ (see its README for where each comes from). */
export function recorded(file: string): Record<string, unknown> {
  const url = new URL(`../fixtures/alphavantage/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** The odd answers Alpha Vantage gives with HTTP 200, by name (odd-answers.json). */
export type OddAnswer =
  | 'rateLimitNote'
  | 'dailyLimit'
  | 'dailyLimitThankYou'
  | 'burstLimit'
  | 'callVolume'
  | 'premiumEndpoint'
  | 'premiumOutputsizeFull'
  | 'demoKey'
  | 'invalidApiKey'
  | 'invalidApiCall'
  | 'unknownGlobalQuote';

const ODD_ANSWERS = recorded('odd-answers.json') as Record<OddAnswer, Record<string, unknown>>;

type Override = { status: number; body: string } | { answer: OddAnswer } | 'hang';

export interface RecordedRequest {
  function: string;
  query: Record<string, string>;
}

/**
 * Alpha Vantage on loopback: `GET /query?function=...&apikey=...`, answering from recorded answers.
 * Like the real service it says everything with HTTP 200: a wrong or missing key is an
 * "Error Message", an unknown symbol "Invalid API call" (`{"Global Quote": {}}` for quotes), a spent
 * daily quota an "Information" that quotes the key, `outputsize=full` of TIME_SERIES_DAILY a premium
 * feature (as on free keys since 2024). Switches answer a function (or every one, '*') with an odd
 * answer, any status and body, or not at all.
 */
export class FakeAlphaVantage {
  readonly apiKey = 'FAKEAVKEY0123456';
  readonly requests: RecordedRequest[] = [];
  /** TIME_SERIES_DAILY answers by Alpha Vantage symbol. */
  readonly daily = new Map<string, Record<string, unknown>>([
    ['AAPL', recorded('time-series-daily-aapl.json')],
  ]);
  /** FX_DAILY answers by "FROM/TO". */
  readonly fxDaily = new Map<string, Record<string, unknown>>([
    ['EUR/USD', recorded('fx-daily-eur-usd.json')],
  ]);
  /** GLOBAL_QUOTE answers by Alpha Vantage symbol (others get `{"Global Quote": {}}`). */
  readonly quotes = new Map<string, Record<string, unknown>>([['MSFT', recorded('global-quote-msft.json')]]);
  /** CURRENCY_EXCHANGE_RATE answers by "FROM/TO". */
  readonly rates = new Map<string, Record<string, unknown>>([
    ['USD/JPY', recorded('currency-exchange-rate-usd-jpy.json')],
    ['BTC/USD', recorded('currency-exchange-rate-btc-usd.json')],
  ]);
  /** SYMBOL_SEARCH answers by keywords, lower case (others get no matches). */
  readonly searches = new Map<string, Record<string, unknown>>([
    ['tesco', recorded('symbol-search-tesco.json')],
    ['ba', recorded('symbol-search-ba.json')],
  ]);
  /** Whether `outputsize=full` of TIME_SERIES_DAILY is refused as a premium feature (a free key). */
  fullIsPremium = true;
  /** Requests answered before the daily quota's "Information" (25 for a free key). */
  dailyLimit = Number.POSITIVE_INFINITY;
  url = '';
  private server: Server | undefined;
  private readonly overrides = new Map<string, Override>();
  private readonly hanging = new Set<ServerResponse>();

  /** Every request for `fn` ('*': for any function) answers this way until `clear(fn)`. */
  override(fn: string, override: Override): void {
    this.overrides.set(fn, override);
  }

  clear(fn: string): void {
    this.overrides.delete(fn);
  }

  count(fn?: string): number {
    return this.requests.filter((r) => fn === undefined || r.function === fn).length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/query') {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>Not Found</h1>');
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    const fn = query.function ?? '';
    this.requests.push({ function: fn, query });

    const override = this.overrides.get(fn) ?? this.overrides.get('*');
    if (override === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (override && 'status' in override) {
      res.writeHead(override.status, { 'Content-Type': 'application/json' });
      res.end(override.body);
      return;
    }
    send(res, override ? this.odd(override.answer, fn) : this.reply(query, fn));
  }

  /** What the service answers a request with the key (and anything else) it was sent. */
  private reply(query: Record<string, string>, fn: string): unknown {
    if (query.apikey !== this.apiKey) return this.odd('invalidApiKey', fn);
    if (this.requests.length > this.dailyLimit) return this.odd('dailyLimit', fn);
    switch (fn) {
      case 'TIME_SERIES_DAILY':
        if (query.outputsize === 'full' && this.fullIsPremium) return this.odd('premiumOutputsizeFull', fn);
        return this.daily.get(query.symbol ?? '') ?? this.odd('invalidApiCall', fn);
      case 'FX_DAILY':
        return this.fxDaily.get(`${query.from_symbol}/${query.to_symbol}`) ?? this.odd('invalidApiCall', fn);
      case 'GLOBAL_QUOTE':
        return this.quotes.get(query.symbol ?? '') ?? ODD_ANSWERS.unknownGlobalQuote;
      case 'CURRENCY_EXCHANGE_RATE':
        return (
          this.rates.get(`${query.from_currency}/${query.to_currency}`) ?? this.odd('invalidApiCall', fn)
        );
      case 'SYMBOL_SEARCH':
        return this.searches.get((query.keywords ?? '').toLowerCase()) ?? { bestMatches: [] };
      default:
        return this.odd('invalidApiCall', fn);
    }
  }

  /** A recorded odd answer, with the asked function and the caller's key where the real one puts them. */
  private odd(name: OddAnswer, fn: string): unknown {
    return JSON.parse(
      JSON.stringify(ODD_ANSWERS[name]).replaceAll('{function}', fn).replaceAll('{apikey}', this.apiKey),
    );
  }
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
