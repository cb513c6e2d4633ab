import { ProviderError } from '../../../errors.js';
import { DAY_MS, utcDayStart } from '../../kernel/periods.js';

/**
 * How Alpha Vantage's answers are read. It says everything with HTTP 200: a refused key, a spent
 * quota and a paid feature come as `{"Error Message": ...}`, `{"Note": ...}` or
 * `{"Information": ...}` bodies in place of the data, numbers come as strings ("189.9800",
 * "0.5852%"), and an unknown quote symbol is `{"Global Quote": {}}`.
 */

export type Body = Record<string, unknown>;

/** What a notice (a Note or an Information answer) means. */
export type Notice =
  | { kind: 'rate_limited'; retryAfterSeconds: number | undefined }
  | { kind: 'plan_required' }
  | { kind: 'demo_key' }
  | { kind: 'unexplained' };

/**
 * Reads a notice by its wording, the only thing that tells them apart. Quota messages come first:
 * they end with a "subscribe to any of the premium plans" footer (the burst-limit one even with
 * "unlock all premium endpoints"), so "premium" alone does not mean a paid feature.
 */
export function readNotice(notice: string, now: number): Notice {
  if (/per second|sparingly/i.test(notice)) return { kind: 'rate_limited', retryAfterSeconds: 1 };
  if (/per minute/i.test(notice)) return { kind: 'rate_limited', retryAfterSeconds: 60 };
  if (/per day/i.test(notice)) {
    // It does not say when its day starts; before the next UTC midnight no call can be worth trying.
    return { kind: 'rate_limited', retryAfterSeconds: Math.ceil((utcDayStart(now) + DAY_MS - now) / 1000) };
  }
  if (/rate limit|call frequency|call volume/i.test(notice)) {
    return { kind: 'rate_limited', retryAfterSeconds: undefined };
  }
  if (/premium (endpoint|feature)/i.test(notice)) return { kind: 'plan_required' };
  if (/demo/i.test(notice)) return { kind: 'demo_key' };
  return { kind: 'unexplained' };
}

/**
 * The body when it carries `dataKey`; null when Alpha Vantage does not know what was asked for
 * ("Invalid API call"); otherwise the ProviderError its odd answer stands for. Error messages name
 * the function only: a notice can quote the key ("We have detected your API key as ...").
 */
export function readAnswer(
  body: unknown,
  request: { function: string; dataKey: string; now: number },
  onUnexplained: (notice: string) => void,
): Body | null {
  if (!isBody(body)) {
    throw new ProviderError('unavailable', `Alpha Vantage sent an unreadable answer to ${request.function}`);
  }
  if (request.dataKey in body) return body;
  const error = text(body['Error Message']);
  if (error !== null) {
    if (/apikey/i.test(error)) throw new ProviderError('unauthorized', 'Alpha Vantage refused the key');
    if (/invalid api call/i.test(error)) return null;
    throw new ProviderError('unavailable', `Alpha Vantage refused the ${request.function} call`);
  }
  const notice = text(body.Note) ?? text(body.Information);
  if (notice === null) return null;
  const meaning = readNotice(notice, request.now);
  switch (meaning.kind) {
    case 'rate_limited':
      throw new ProviderError('rate_limited', 'Alpha Vantage rate limit reached', meaning.retryAfterSeconds);
    case 'plan_required':
      throw new ProviderError('plan_required', `Alpha Vantage's ${request.function} needs a paid plan`);
    case 'demo_key':
      throw new ProviderError('unauthorized', 'Alpha Vantage takes its demo key for its examples only');
    case 'unexplained':
      onUnexplained(notice);
      throw new ProviderError('unavailable', `Alpha Vantage answered ${request.function} with a notice`);
  }
}

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string field, trimmed, or null. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A number Alpha Vantage sent as a string ("189.9800", "-0.5852%"), or null. */
export function numberField(value: unknown): number | null {
  const raw = text(value)?.replace(/%$/, '');
  if (raw === undefined || raw === '') return null;
  const parsed = Number(raw);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Start of the UTC day a YYYY-MM-DD date names, epoch ms, or null for anything else. */
export function utcDate(value: unknown): number | null {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text(value) ?? '');
  if (!date) return null;
  const time = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
  return new Date(time).toISOString().startsWith(date[0]) ? time : null;
}

/** A "YYYY-MM-DD HH:MM:SS" stamp in UTC, epoch ms, or null. */
export function utcStamp(value: unknown): number | null {
  const stamp = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text(value) ?? '');
  if (!stamp) return null;
  const time = Date.parse(`${stamp[1]}T${stamp[2]}Z`);
  return Number.isFinite(time) ? time : null;
}
