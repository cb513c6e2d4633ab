import { describe, expect, it } from 'vitest';
import { AppMetrics } from '../../src/metrics.js';

describe('app metrics', () => {
  it('reports ticks counted between scrapes once, and keeps the total across scrapes', async () => {
    const metrics = new AppMetrics();
    const ingested = async () =>
      Number(/^stocktracker_ticks_ingested_total (\S+)$/m.exec(await metrics.registry.metrics())?.[1]);

    metrics.countTickIngested();
    metrics.countTickIngested();
    expect(await ingested()).toBe(2);
    expect(await ingested()).toBe(2);
    metrics.countTickIngested();
    expect(await ingested()).toBe(3);
  });
});
