/**
 * Answers the live Finnhub service gave, as published in its issue tracker and in client libraries'
 * tests. The fake Finnhub serves them so the defects they caused stay fixed. Each names its source.
 */

/**
 * /quote with the day's fields and the previous close at zero for a valid, trading symbol
 * (TSLA, 2020-03-27): finnhubio/Finnhub-API issue #61 "Missing values for fields H, L, O, PC".
 * A listing on its first day has no previous close either.
 */
export const PARTIAL_ZERO_QUOTE = { c: 517.96, h: 0, l: 0, o: 0, pc: 0, t: 1585296137 };

/**
 * /stock/profile2?symbol=SGOV answered with another fund's profile (ticker IBHJ), "N/A" as the
 * industry and empty strings for the rest: finnhubio/Finnhub-API issue #560 "ETF Symbol SGOV returns
 * correct price but other data for IBHJ" (2025-08-16).
 */
export const SGOV_ANSWERED_AS_IBHJ = {
  country: 'US',
  currency: '',
  estimateCurrency: '',
  exchange: 'BATS EXCHANGE',
  finnhubIndustry: 'N/A',
  ipo: '2023-06-23',
  logo: '',
  marketCapitalization: 0,
  name: 'iShares iBonds 2030 Term High Yield and Income ETF',
  phone: '',
  shareOutstanding: 0,
  ticker: 'IBHJ',
  weburl: '',
};

/** The REST body for a refused key: finnhubio/Finnhub-API issue #582 "HTTP 401 Invalid API Key". */
export const INVALID_KEY_BODY = { error: 'Invalid API key.' };

/**
 * The WebSocket error frame past the plan's symbol cap, which does not name the symbol: the Finnhub
 * WebSocket parser tests of hongxinGuo/FireBird (`finnhubWebSocketData145`).
 */
export const TOO_MANY_SYMBOLS_FRAME = { msg: 'Subscribing to too many symbols', type: 'error' };
