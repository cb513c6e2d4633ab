import { describe, expect, it } from 'vitest';
import { passwordProblems } from '../../src/auth/password-policy.js';

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
});
