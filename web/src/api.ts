/** The browser's client for /api/v1: JSON in and out, the CSRF header on every state-changing call. */

export interface User {
  id: string;
  username: string;
  email: string;
}

export interface Quote {
  symbol: string;
  price: number;
  change: number | null;
  changePercent: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  previousClose: number | null;
  volume: number | null;
  time: string;
  stale?: boolean;
}

/** GET /quotes/:symbol: the quote with its currency and, where known, yearly range and market cap. */
export interface QuoteDetail extends Quote {
  currency: string | null;
  week52High: number | null;
  week52Low: number | null;
  marketCap: number | null;
}

export interface CompanyProfile {
  symbol: string;
  name: string | null;
  exchange: string | null;
  currency: string | null;
  industry: string | null;
  country: string | null;
  website: string | null;
  ipo: string | null;
  /** On our own origin. */
  logoUrl: string | null;
}

export type HistoryRange = '1d' | '5d' | '1m' | '6m' | '1y' | '5y';
export type HistoryResolution = '1m' | '5m' | '1d' | '1w';

/** t: period start in epoch seconds. */
export interface HistoryBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface PriceHistory {
  symbol: string;
  range: HistoryRange;
  resolution: HistoryResolution;
  bars: HistoryBar[];
}

export interface WatchlistItem {
  symbol: string;
  name: string;
  currency: string | null;
  addedAt: string;
  quote: Quote | null;
  /** null until the server has fetched them (the next load has them). */
  metrics: { week52High: number | null; week52Low: number | null; marketCap: number | null } | null;
}

export type WatchlistColumn =
  | 'price'
  | 'change'
  | 'changePercent'
  | 'open'
  | 'high'
  | 'low'
  | 'previousClose'
  | 'volume'
  | 'week52Range'
  | 'marketCap'
  | 'currency'
  | 'updated';

export type SortKey = WatchlistColumn | 'symbol' | 'addedAt';

export interface Preferences {
  watchlist: {
    columns: WatchlistColumn[];
    sort: { column: SortKey; direction: 'asc' | 'desc' };
  };
}

export interface SymbolMatch {
  symbol: string;
  description: string;
  type: string;
}

export interface MarketStatus {
  exchange: string;
  state: 'open' | 'pre-market' | 'post-market' | 'closed' | 'holiday';
  holiday: string | null;
  timezone: string | null;
  description: string;
  updatedAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string; fields?: Record<string, string[]> };
  } | null;
  if (!response.ok) {
    const error = payload?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status}.`,
      error?.fields,
    );
  }
  return payload as T;
}

export const api = {
  /** Who is signed in: `user` null (and no error) for an anonymous visitor. */
  whoami: () => request<{ user: User | null; csrfToken: string | null }>('GET', '/auth/whoami'),
  register: (input: { username: string; email: string; password: string }) =>
    request<{ user: User; csrfToken: string }>('POST', '/auth/register', input),
  login: (input: { username: string; password: string }) =>
    request<{ user: User; csrfToken: string }>('POST', '/auth/login', input),
  logout: () => request<void>('POST', '/auth/logout'),
  watchlist: () => request<{ items: WatchlistItem[] }>('GET', '/watchlist'),
  addSymbol: (symbol: string) => request<{ item: WatchlistItem }>('POST', '/watchlist', { symbol }),
  removeSymbol: (symbol: string) => request<void>('DELETE', `/watchlist/${encodeURIComponent(symbol)}`),
  preferences: () => request<Preferences>('GET', '/preferences'),
  savePreferences: (preferences: Preferences) => request<Preferences>('PUT', '/preferences', preferences),
  marketStatus: () => request<MarketStatus>('GET', '/market/status'),
  quote: (symbol: string) => request<QuoteDetail>('GET', `/quotes/${encodeURIComponent(symbol)}`),
  profile: (symbol: string) =>
    request<CompanyProfile>('GET', `/quotes/${encodeURIComponent(symbol)}/profile`),
  history: (symbol: string, range: HistoryRange) =>
    request<PriceHistory>('GET', `/quotes/${encodeURIComponent(symbol)}/history?range=${range}`),
  sparklines: () => request<{ sparklines: Record<string, number[]> }>('GET', '/watchlist/sparklines'),
  searchSymbols: (q: string) =>
    request<{ results: SymbolMatch[] }>('GET', `/symbols/search?q=${encodeURIComponent(q)}`),
};
