import { AppError } from '../../errors.js';
import { ProviderError } from './provider.js';

/** Translates a provider failure into what the user sees; upstream wording (URLs, keys) never passes. */
export function toAppError(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.reason === 'plan_required') return new AppError('data_plan_required');
  if (error.reason === 'unauthorized') return new AppError('provider_key_refused', undefined, undefined, 60);
  return new AppError('provider_unavailable', undefined, undefined, error.reason === 'rate_limited' ? 60 : 5);
}
