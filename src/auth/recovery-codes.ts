import { randomBytes } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { hashToken } from './tokens.js';

/** How many recovery codes an enabling hands out. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * Ten single-use codes for when the authenticator is lost: 80 random bits each, written in groups of
 * four (`k3f9-2mxa-p7qd-w4ne`) to be copied onto paper. Random enough that a plain SHA-256 is a
 * safe way to keep them.
 */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    (encodeBase32LowerCaseNoPadding(randomBytes(10)).match(/.{4}/g) ?? []).join('-'),
  );
}

/** The stored form of a code: typed in any case, with or without the dashes and spaces. */
export function recoveryCodeHash(code: string): string {
  return hashToken(code.toLowerCase().replace(/[\s-]/g, ''));
}
