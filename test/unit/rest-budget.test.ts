import { describe, expect, it } from 'vitest';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { ManualClock } from '../support/test-app.js';

describe('Finnhub REST budget', () => {
  it('allows at most N calls in any sliding 60-second window, with no burst on refill', () => {
    const clock = new ManualClock();
    const budget = new RestBudget(clock, 5, 30);
    for (let i = 0; i < 5; i++) {
      expect(budget.tryTake()).toBe(true);
      clock.advance(10_000);
    }
    expect(budget.tryTake()).toBe(false);
    // 60 s after the first call one slot frees, not the whole window.
    clock.advance(10_000);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('allows at most 30 calls in any second', () => {
    const clock = new ManualClock();
    const budget = new RestBudget(clock, 1000, 30);
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(30);
    expect(budget.waitMs()).toBe(1000);
    clock.advance(1000);
    expect(budget.tryTake()).toBe(true);
  });

  it('keeps a reserve for interactive calls when asked to', () => {
    const budget = new RestBudget(new ManualClock(), 10);
    let background = 0;
    while (budget.tryTake(3)) background++;
    expect(background).toBe(7);
    expect(budget.tryTake()).toBe(true);
  });

  it('pauses everything after a 429 until the minute window has rolled over', () => {
    const clock = new ManualClock();
    const budget = new RestBudget(clock, 55);
    expect(budget.tryTake()).toBe(true);
    clock.advance(20_000);
    budget.pauseAfterRateLimit();
    expect(budget.remaining()).toBe(0);
    expect(budget.tryTake()).toBe(false);
    clock.advance(40_001);
    expect(budget.tryTake()).toBe(true);
  });
});
