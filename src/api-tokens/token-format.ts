import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Personal API tokens look like GitHub's: `st_`, 32 random base62 characters (190 bits), then a
 * 6-character base62 CRC32 of those. Secret scanners recognise the prefix and can check the
 * checksum offline, so a leaked token is found without false alarms; the server refuses a mistyped
 * one without a database lookup.
 */
export const TOKEN_PREFIX = 'st_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

/** A new token from `random` (the app's randomness: crypto's by default). */
export function newApiToken(random: (size: number) => Buffer = randomBytes): string {
  let body = '';
  while (body.length < RANDOM_LENGTH) {
    for (const byte of random(RANDOM_LENGTH)) {
      // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
      if (byte < 248 && body.length < RANDOM_LENGTH) body += BASE62[byte % 62];
    }
  }
  return `${TOKEN_PREFIX}${body}${checksum(body)}`;
}

/** Whether `token` has the shape and a matching checksum (says nothing of whether it exists). */
export function isWellFormedApiToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + RANDOM_LENGTH);
  return token.endsWith(checksum(body));
}

/** The only form of a token the database keeps. */
export function apiTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** CRC32 of the random part in base62, left-padded to six characters (62^6 > 2^32). */
function checksum(body: string): string {
  let value = crc32(body);
  let digits = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    digits = BASE62[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}
