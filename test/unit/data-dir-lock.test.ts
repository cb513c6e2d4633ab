import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/data-dir-lock.js';

describe('data folder lock', () => {
  it('refuses a second holder while the first is alive, and frees the folder on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-lock-'));
    const lock = acquireDataDirLock(dir);
    writeFileSync(lock.path, JSON.stringify({ pid: 999_999, host: hostname() }));
    expect(() => acquireDataDirLock(dir, () => true)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir, () => true)).toThrow(/pid 999999/);
    const taken = acquireDataDirLock(dir, () => false);
    taken.release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('takes over an unreadable lock file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-lock-'));
    writeFileSync(join(dir, '.lock'), '{half');
    const lock = acquireDataDirLock(dir);
    expect(existsSync(lock.path)).toBe(true);
    lock.release();
  });

  it('refuses a lock held from another host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-lock-'));
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 1, host: 'elsewhere' }));
    expect(() => acquireDataDirLock(dir)).toThrow(/host elsewhere/);
  });
});
