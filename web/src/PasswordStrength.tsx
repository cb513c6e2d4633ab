import { useEffect, useState } from 'react';
import type { PasswordStrength as Strength } from '../../src/auth/password-strength.js';

/** The estimate and its dictionaries (most of a megabyte), fetched only once someone types a new password. */
let estimator: Promise<typeof import('../../src/auth/password-strength.js')> | undefined;
const loadEstimator = () => {
  estimator ??= import('../../src/auth/password-strength.js');
  return estimator;
};

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'];

/**
 * How guessable the new password is, as it is typed: the same zxcvbn estimate and threshold the
 * server applies, so "Strong enough" here is accepted there (length, common and similar-to-username
 * rules are the server's to say).
 */
export function PasswordStrength({ password, userInputs }: { password: string; userInputs: string[] }) {
  const [result, setResult] = useState<{ strength: Strength; acceptable: boolean } | null>(null);
  const inputs = userInputs.join('\n');

  useEffect(() => {
    if (password === '') {
      setResult(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      loadEstimator()
        .then(({ passwordStrength, MIN_PASSWORD_SCORE }) => {
          if (!current) return;
          const strength = passwordStrength(password, inputs.split('\n').filter(Boolean));
          setResult({ strength, acceptable: strength.score >= MIN_PASSWORD_SCORE });
        })
        .catch(() => setResult(null));
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [password, inputs]);

  return (
    <div className="password-strength" aria-live="polite">
      {result && (
        <>
          <meter
            min={0}
            max={4}
            low={2}
            high={3}
            optimum={4}
            value={result.strength.score}
            aria-label="Strength"
          />
          <span className={result.acceptable ? 'strength-ok' : 'strength-weak'}>
            {LABELS[result.strength.score]}
            {result.acceptable ? '' : ': too easy to guess'}
          </span>
          {!result.acceptable && result.strength.warning && (
            <span className="muted small strength-warning">{result.strength.warning}</span>
          )}
        </>
      )}
    </div>
  );
}
