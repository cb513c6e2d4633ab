import { readFileSync } from 'node:fs';
import { projectPath } from '../project-root.js';
import { MAX_PASSWORD_LENGTH } from './auth.schemas.js';
import { MIN_PASSWORD_SCORE, passwordStrength } from './password-strength.js';

export const MIN_PASSWORD_LENGTH = 10;
const MAX_SIMILARITY = 0.7;

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The 30,000 most common passwords (zxcvbn's list, from leaked-password corpora; MIT licence), shipped
 * with the app so registration needs no download. Loaded on first use.
 */
function common(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(projectPath('src/auth/common-passwords.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter(Boolean),
  );
  return commonPasswords;
}

/**
 * Every reason a password is refused, in the spirit of Django's four validators (minimum length,
 * common passwords, entirely numeric, too similar to the username or email), then blank-only and
 * zxcvbn's strength estimate (below `MIN_PASSWORD_SCORE`: repeats like `aaaaaaaaaa`, sequences like
 * `abcdefghij`, keyboard walks, words with a digit), naming why. An empty list means accepted.
 */
export function passwordProblems(password: string, user: { username: string; email: string }): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    problems.push(`This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  if (common().has(password.trim().toLowerCase())) {
    problems.push('This password is too common.');
  }
  if (/^\d+$/.test(password)) {
    problems.push('This password is entirely numeric.');
  }
  for (const [label, value] of [
    ['username', user.username],
    ['email address', user.email],
  ] as const) {
    if (value && tooSimilar(password, value)) {
      problems.push(`This password is too similar to the ${label}.`);
    }
  }
  if (password.length > 0 && password.trim() === '') {
    problems.push('This password is only spaces.');
  } else if (problems.length === 0) {
    const strength = passwordStrength(password, [user.username, user.email]);
    if (strength.score < MIN_PASSWORD_SCORE) {
      problems.push(
        `This password is too easy to guess${strength.warning ? `: ${strength.warning}` : '.'} ${
          strength.suggestions[0] ?? 'Add more words that are less common.'
        }`,
      );
    }
  }
  return problems;
}

/**
 * Django's UserAttributeSimilarityValidator: the password is compared with the whole attribute and
 * with each of its word parts (so "jane" from "jane.doe@example.com"), using SequenceMatcher's
 * quick_ratio (2 * shared characters / total length). Containing the attribute also counts.
 */
function tooSimilar(password: string, attribute: string): boolean {
  const lowered = password.toLowerCase();
  const value = attribute.toLowerCase();
  const parts = [value, ...value.split(/\W+/)].filter((p) => p.length >= 3);
  return parts.some((part) => {
    if (lowered.includes(part) && part.length >= 4) return true;
    // Django skips a comparison when the password is far longer than the attribute part.
    if (lowered.length >= 10 * part.length && part.length < MAX_SIMILARITY * 10) return false;
    return quickRatio(lowered, part) >= MAX_SIMILARITY;
  });
}

function quickRatio(a: string, b: string): number {
  const counts = new Map<string, number>();
  for (const ch of b) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let matches = 0;
  for (const ch of a) {
    const left = counts.get(ch) ?? 0;
    if (left > 0) {
      matches++;
      counts.set(ch, left - 1);
    }
  }
  return (2 * matches) / (a.length + b.length);
}
