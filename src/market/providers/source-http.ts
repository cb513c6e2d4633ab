import { ProviderError } from '../../errors.js';

export interface SourceHttpOptions {
  /** The source's name in error messages ("Yahoo Finance"). */
  readonly sourceName: string;
  readonly timeoutMs: number;
  /** Called with the status (or 'timeout' / 'network') of every call, for metrics. */
  readonly onCall?: (status: string) => void;
  /**
   * Reads a failed answer's body before its status is judged, for a source whose bodies say more
   * than its statuses: 'unknown' when it means "the source does not know this thing" (answered as
   * null, like a 404: Binance's 400 `{"code":-1121,...}`), the error to throw (Finnhub answers "no
   * access" with 401 as well as 403), or undefined to judge by the status.
   */
  readonly readFailure?: (status: number, body: string) => ProviderError | 'unknown' | undefined;
}

/**
 * GETs `url` and parses its JSON body, turning every way a source can fail into a ProviderError:
 * no answer in time -> timeout; unreachable, 5xx or an unreadable body -> unavailable; 429 (with a
 * plain-text body as often as a JSON one) or 418 -> rate_limited with its Retry-After; 401 -> unauthorized;
 * 403 -> plan_required ("no access"). A 404 (or what `readFailure` says is one) is answered as null: the
 * source does not know the thing.
 * `headers` carry a key where the source takes one there, so keys stay out of URLs and logs.
 */
export async function getJson(
  url: string,
  options: SourceHttpOptions & { headers?: Record<string, string>; signal?: AbortSignal | undefined },
): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const path = new URL(url).pathname;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Accept: 'application/json', ...options.headers },
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      redirect: 'error',
    });
  } catch (error) {
    if (timeout.aborted) {
      options.onCall?.('timeout');
      throw new ProviderError('timeout', `${options.sourceName} did not answer ${path} in time`);
    }
    options.onCall?.('network');
    throw new ProviderError(
      'unavailable',
      `${options.sourceName} could not be reached (${(error as Error).name})`,
    );
  }
  options.onCall?.(String(response.status));
  const text = await response.text().catch(() => '');
  if (response.status === 404) return null;
  if (!response.ok) {
    const failure = options.readFailure?.(response.status, text);
    if (failure === 'unknown') return null;
    throw failure ?? httpError(response, options.sourceName, path);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('unavailable', `${options.sourceName} sent an unreadable answer to ${path}`);
  }
}

function httpError(response: Response, sourceName: string, path: string): ProviderError {
  switch (response.status) {
    case 401:
      return new ProviderError('unauthorized', `${sourceName} refused the key (401)`);
    case 403:
      return new ProviderError('plan_required', `${sourceName} gives no access to ${path} (403)`);
    // Binance answers 418 to an address it banned for going on after 429s, Retry-After saying how long.
    case 418:
    case 429: {
      const retryAfter = Number(response.headers.get('retry-after'));
      return new ProviderError(
        'rate_limited',
        `${sourceName} rate limit reached`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
      );
    }
    default:
      return new ProviderError('unavailable', `${sourceName} answered ${response.status} to ${path}`);
  }
}

/** A finite, positive number, or null: what every price from a source must be to be used. */
export function positivePrice(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** A finite number (zero and negatives allowed), or null. */
export function finiteNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
