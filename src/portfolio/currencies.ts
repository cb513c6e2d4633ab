import { AppError } from '../errors.js';

/** ISO 4217 codes as the runtime's Intl knows them (no test codes or crypto assets). */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** `code` as is, or a 400 validation_error naming `field` for a code that is no currency. */
export function requireCurrency(code: string, field: string): string {
  if (!KNOWN_CURRENCIES.has(code)) {
    const message = `${code} is not a currency (an ISO 4217 code like USD or EUR).`;
    throw new AppError('validation_error', message, { [field]: [message] });
  }
  return code;
}
