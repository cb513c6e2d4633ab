import { AppError } from '../../errors.js';
import { ProviderError } from './provider.js';

/** Translates a provider failure into what the user sees; upstream wording (URLs, keys) never passes. */
export function toAppError(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.reason === 'plan_required') return new AppError('data_plan_required');
  if (error.reason === 'unauthorized') return new AppError('provider_key_refused', undefined, undefined, 60);
  if (error.reason === 'user_share_spent') {
    return new AppError(
      'rate_limited',
      'You have made many market data requests this minute; others share them too. Try again shortly.',
      undefined,
      error.retryAfterSeconds,
    );
  }
  return new AppError('provider_unavailable', undefined, undefined, error.reason === 'rate_limited' ? 60 : 5);
}
