import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/**
 * The least zxcvbn score (0 to 4) a new password needs: 3, "safely unguessable: moderate protection
 * from an offline slow-hash scenario" (about 10^8 guesses or more), which Argon2id makes an offline
 * attack. This module imports only zxcvbn-ts, so the register form loads the same estimate
 * (lazily: the dictionaries are most of a megabyte).
 */
export const MIN_PASSWORD_SCORE = 3;

export interface PasswordStrength {
  /** 0 (too guessable) to 4 (very unguessable). */
  score: number;
  /** Why it is weak, for people ("Repeated characters like "aaa" are easy to guess."), or null. */
  warning: string | null;
  suggestions: string[];
}

let estimator: ZxcvbnFactory | undefined;

/** zxcvbn's estimate (common passwords, English words and names, keyboard patterns, repeats, sequences, dates). */
export function passwordStrength(password: string, userInputs: string[] = []): PasswordStrength {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
  const { score, feedback } = estimator.check(password, userInputs);
  return { score, warning: feedback.warning, suggestions: feedback.suggestions };
}
