import { randomBytes } from 'node:crypto';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from '@oslojs/otp';

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 30-second steps, six digits. */
export const TOTP_STEP_SECONDS = 30;
const STEP_MS = TOTP_STEP_SECONDS * 1000;
const DIGITS = 6;
/** The name authenticator apps show above the account. */
const ISSUER = 'Stock Tracker';

/** A new secret: 160 random bits (RFC 4226's recommended length), base32 as apps take it typed in. */
export function newTotpSecret(): string {
  return encodeBase32UpperCaseNoPadding(randomBytes(20));
}

/** The `otpauth://` URI a QR code carries: issuer, account name and secret. */
export function totpKeyUri(secret: string, accountName: string): string {
  return createTOTPKeyURI(ISSUER, accountName, decodeBase32IgnorePadding(secret), TOTP_STEP_SECONDS, DIGITS);
}

/** The time step `nowMs` falls in (the HOTP counter). */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / STEP_MS);
}

/** When the step after `step` ends: a code of `step` is accepted (as the previous step) until then. */
export function stepWindowEnd(step: number): number {
  return (step + 2) * STEP_MS;
}

/** The code of `step`: what the user's app shows during it (the tests compute codes with it). */
export function totpCode(secret: string, step: number): string {
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(step), DIGITS);
}

/**
 * The step a code belongs to, looking at the current step and one either side (a phone's clock a
 * little off, a code typed as it changed), or null when it matches none of them.
 */
export function matchingTotpStep(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = decodeBase32IgnorePadding(secret);
  const current = totpStep(nowMs);
  for (const step of [current, current - 1, current + 1]) {
    if (verifyHOTP(key, BigInt(step), DIGITS, code)) return step;
  }
  return null;
}
