import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import { CAPABILITIES, type SourceId } from '../../src/market/kernel/sources.js';
import { PollingFeed } from '../../src/market/providers/registry/polling-feed.js';
import { type SourceOrder, SourceRegistry } from '../../src/market/providers/registry/source-registry.js';
import { YahooSource } from '../../src/market/providers/yahoo/yahoo-source.js';
import { FakeYahoo, yahooFixture } from '../support/fake-yahoo.js';

/** Symbols no stream carries are polled through the registry from the Yahoo Finance fake. */
describe('polling the symbols no stream carries', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('polls the most wanted round-robin as background calls, and leaves out the rest', async () => {
    const fake = new FakeYahoo();
    await fake.start();
    // Yahoo's recorded Ocado answer (London, in pence) stands for VOD.L.
    const ocado = structuredClone(yahooFixture('chart-OCDO.L-1d.json')) as {
      chart: { result: Array<{ meta: Record<string, unknown> }> };
    };
    const meta = ocado.chart.result[0]?.meta;
    if (meta) meta.symbol = 'VOD.L';
    fake.setChart('VOD.L', '1d', ocado);
    const logger = createLogger('silent');
    const order = Object.fromEntries(
      CAPABILITIES.map((capability) => [capability, ['yahoo'] as SourceId[]]),
    ) as unknown as SourceOrder;
    const registry = new SourceRegistry({
      sources: [new YahooSource({ apiUrl: fake.url, timeoutMs: 2000, clock: systemClock })],
      order,
      clock: systemClock,
      logger,
    });
    const feed = new PollingFeed({ provider: registry, logger, intervalMs: 20, maxPolled: 2 });
    stops.push(async () => {
      await feed.close();
      await fake.stop();
    });
    const quotes: Quote[] = [];
    feed.setWatched(new Set(['VOD.L', 'OCDO.L', 'WSU.DE']));
    feed.connect({
      quote: (quote) => quotes.push(quote),
      trade: () => {},
      status: () => {},
      current: () => undefined,
      relayed: () => {},
    });
    await expect.poll(() => quotes.filter((quote) => quote.symbol === 'VOD.L').length).toBeGreaterThan(1);
    expect(new Set(quotes.map((quote) => quote.symbol))).toEqual(new Set(['VOD.L', 'OCDO.L']));
    expect(quotes[0]).toMatchObject({ source: 'yahoo', delayMinutes: 20 });
    expect(feed.coverage()).toEqual({ live: 0, polled: 2, leftOut: 1 });
    expect(feed.status()).toBe('degraded');
    expect(fake.count('chart', 'WSU.DE')).toBe(0);
  });
});
