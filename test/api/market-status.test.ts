import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { FinnhubProvider } from '../../src/market/providers/finnhub/finnhub-provider.js';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { MarketStatusService } from '../../src/prices/market-status.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { ManualClock } from '../support/test-app.js';

describe('market status from Finnhub', () => {
  let fake: FakeFinnhub;
  beforeEach(async () => {
    fake = new FakeFinnhub();
    await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  const provider = () =>
    new FinnhubProvider({
      apiUrl: fake.url,
      apiKey: fake.apiKey,
      timeoutMs: 1000,
      budget: new RestBudget(systemClock, 55),
      clock: systemClock,
      logger: createLogger('silent'),
    });

  it.each([
    [{ isOpen: true, session: 'regular', holiday: null }, 'open', 'US market: open'],
    [{ isOpen: false, session: 'pre-market', holiday: null }, 'pre-market', 'US market: pre-market'],
    [{ isOpen: false, session: 'post-market', holiday: null }, 'post-market', 'US market: post-market'],
    [{ isOpen: false, session: null, holiday: null }, 'closed', 'US market: closed'],
    [
      { isOpen: false, session: null, holiday: 'Thanksgiving Day' },
      'holiday',
      'US market: closed for Thanksgiving Day',
    ],
  ])('maps %j to %s', async (answer, state, description) => {
    fake.marketStatus = { exchange: 'US', timezone: 'America/New_York', t: 1, ...answer };
    expect(await provider().marketStatus({ exchange: 'US' })).toMatchObject({ state, description });
  });

  it('keeps the last status when a refresh fails, and refreshes once the schedule says so', async () => {
    const clock = new ManualClock();
    const service = new MarketStatusService(provider(), clock, createLogger('silent'), 60_000);
    try {
      expect((await service.status()).status.state).toBe('pre-market');
      fake.override('/stock/market-status', { status: 500, body: 'down' });
      clock.advance(130_000);
      expect((await service.status()).status.state).toBe('pre-market');
      fake.clear('/stock/market-status');
      fake.marketStatus = { exchange: 'US', isOpen: true, session: 'regular', holiday: null };
      clock.advance(130_000);
      expect((await service.status()).status.state).toBe('open');
    } finally {
      service.stop();
    }
  });

  it('fails with the provider when no status is known yet', async () => {
    fake.override('/stock/market-status', { status: 500, body: 'down' });
    const service = new MarketStatusService(provider(), new ManualClock(), createLogger('silent'));
    try {
      await expect(service.status()).rejects.toThrow();
    } finally {
      service.stop();
    }
  });
});
