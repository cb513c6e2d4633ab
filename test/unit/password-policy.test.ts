import { describe, expect, it } from 'vitest';
import { passwordProblems } from '../../src/auth/password-policy.js';
import { MIN_PASSWORD_SCORE, passwordStrength } from '../../src/auth/password-strength.js';

const user = { username: 'jane_doe', email: 'jane.doe@example.com' };

describe('password policy', () => {
  it('accepts a long, uncommon password unrelated to the user', () => {
    expect(passwordProblems('plover-quartz-harbour-91', user)).toEqual([]);
  });

  it('refuses short passwords', () => {
    expect(passwordProblems('Xk4#pq9', user)).toEqual([
      'This password is too short. It must contain at least 10 characters.',
    ]);
  });

  it('refuses common passwords from the shipped list, ignoring case', () => {
    expect(passwordProblems('Password123', user)).toContain('This password is too common.');
    expect(passwordProblems('QWERTYUIOP', user)).toContain('This password is too common.');
  });

  it('ships a list of at least 10,000 common passwords', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(new URL('../../src/auth/common-passwords.txt', import.meta.url), 'utf8').split(
      '\n',
    );
    expect(lines.filter(Boolean).length).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses all-digit passwords', () => {
    expect(passwordProblems('83920174659', user)).toEqual(['This password is entirely numeric.']);
  });

  it('refuses passwords too similar to the username or the email', () => {
    expect(passwordProblems('jane_doe_2024', user)).toContain(
      'This password is too similar to the username.',
    );
    expect(passwordProblems('jane.doe@example', user)).toContain(
      'This password is too similar to the email address.',
    );
  });

  it('lists every reason at once', () => {
    expect(passwordProblems('12345', user)).toEqual([
      'This password is too short. It must contain at least 10 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
    ]);
  });

  it.each([
    ['aaaaaaaaaa', 'Repeated characters like "aaa" are easy to guess.'],
    ['abcdefghij', 'Common character sequences like "abc" are easy to guess.'],
    ['qwertyuiopasdf', 'This is similar to a commonly used password.'],
  ])('refuses %j as too easy to guess, saying why', (password, why) => {
    const [problem, ...others] = passwordProblems(password, user);
    expect(others).toEqual([]);
    expect(problem).toMatch(/^This password is too easy to guess: /);
    expect(problem).toContain(why);
  });

  it.each([
    ['ten spaces', ' '.repeat(10)],
    ['no-break spaces', '\u00a0'.repeat(12)],
  ])('refuses a password of only spaces (%s)', (_label, password) => {
    expect(passwordProblems(password, user)).toEqual(['This password is only spaces.']);
  });

  it('accepts passphrases zxcvbn scores at least MIN_PASSWORD_SCORE', () => {
    for (const password of ['plover-quartz-harbour-91', 'correct horse battery', 'kettle-morning-violet-4']) {
      expect(passwordStrength(password).score, password).toBeGreaterThanOrEqual(MIN_PASSWORD_SCORE);
      expect(passwordProblems(password, user), password).toEqual([]);
    }
  });
});
