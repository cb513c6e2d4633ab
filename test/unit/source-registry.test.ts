import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import { CAPABILITIES, type Capability, type SourceId } from '../../src/market/kernel/sources.js';
import { type SourceOrder, SourceRegistry } from '../../src/market/providers/registry/source-registry.js';
import type { MarketSource } from '../../src/market/providers/source.js';
import { ManualClock } from '../support/test-app.js';

/**
 * A source of our own interface whose answers the test scripts per call: the registry's routing,
 * breakers and budgets are logic over that interface (the adapters' own tests use loopback fakes
 * of the real services).
 */
class ScriptedSource implements MarketSource {
  readonly calls: string[] = [];
  answer: (symbol: string) => number | null | ProviderError = () => 100;

  constructor(
    readonly id: SourceId,
    readonly limits = { requestsPerMinute: null as number | null, description: 'scripted' },
    private readonly servesSymbol: (symbol: string) => boolean = () => true,
  ) {}

  serves(_capability: Capability, symbol: string): boolean {
    return this.servesSymbol(symbol);
  }

  delay(): number {
    return 0;
  }

  async getQuote({ symbol }: { symbol: string }): Promise<Quote | null> {
    this.calls.push(symbol);
    const answer = this.answer(symbol);
    if (answer instanceof ProviderError) throw answer;
    if (answer === null) return null;
    return {
      symbol,
      price: answer,
      change: null,
      changePercent: null,
      open: null,
      high: null,
      low: null,
      previousClose: null,
      volume: null,
      time: 0,
      source: this.id,
      delayMinutes: 0,
    };
  }
}

function orderOf(ids: SourceId[]): SourceOrder {
  return Object.fromEntries(CAPABILITIES.map((capability) => [capability, ids])) as unknown as SourceOrder;
}

function setup(sources: ScriptedSource[]) {
  const clock = new ManualClock();
  const outcomes: string[] = [];
  const registry = new SourceRegistry({
    sources,
    order: orderOf(sources.map((source) => source.id)),
    clock,
    logger: createLogger('silent'),
    breaker: { failures: 3, openMs: 30_000 },
    onCall: (source, outcome) => outcomes.push(`${source}:${outcome}`),
  });
  return { registry, clock, outcomes };
}

describe('source registry', () => {
  it('falls back to the next source within the same request when one fails', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => new ProviderError('unavailable', 'Finnhub answered 502');
    yahoo.answer = () => 42;
    const { registry } = setup([finnhub, yahoo]);
    const quote = await registry.getQuote({ symbol: 'AAPL' });
    expect(quote).toMatchObject({ price: 42, source: 'yahoo' });
    expect(finnhub.calls).toEqual(['AAPL']);
  });

  it('asks the next source when one does not know the symbol, without counting it as a failure', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => null;
    const { registry } = setup([finnhub, yahoo]);
    for (let i = 0; i < 5; i++) expect((await registry.getQuote({ symbol: 'VOD.L' }))?.source).toBe('yahoo');
    expect(finnhub.calls).toHaveLength(5);
    expect(registry.states().find((state) => state.id === 'finnhub')?.breaker).toBe('closed');
  });

  it('says null when every source that answered did not know the symbol', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => new ProviderError('timeout', 'slow');
    yahoo.answer = () => null;
    const { registry } = setup([finnhub, yahoo]);
    expect(await registry.getQuote({ symbol: 'NOPE' })).toBeNull();
  });

  it('opens a breaker after failures in a row, skips the source, then lets one probe through', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => new ProviderError('unavailable', 'down');
    const { registry, clock } = setup([finnhub, yahoo]);
    for (let i = 0; i < 3; i++) await registry.getQuote({ symbol: 'AAPL' });
    expect(registry.states()[0]).toMatchObject({ id: 'finnhub', breaker: 'open', opens: 1 });
    expect(registry.states()[0]?.lastError?.message).toBe('down');
    await registry.getQuote({ symbol: 'AAPL' });
    expect(finnhub.calls).toHaveLength(3);

    clock.advance(30_000);
    expect(registry.states()[0]?.breaker).toBe('half_open');
    finnhub.answer = () => 200;
    // Two requests at once: only one is the probe; the other goes straight to the next source.
    const [first, second] = await Promise.all([
      registry.getQuote({ symbol: 'AAPL' }),
      registry.getQuote({ symbol: 'MSFT' }),
    ]);
    expect([first?.source, second?.source].sort()).toEqual(['finnhub', 'yahoo']);
    expect(finnhub.calls).toHaveLength(4);
    expect(registry.states()[0]?.breaker).toBe('closed');
    expect((await registry.getQuote({ symbol: 'AAPL' }))?.source).toBe('finnhub');
  });

  it('opens again at once when the probe fails', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => new ProviderError('timeout', 'slow');
    const { registry, clock } = setup([finnhub, yahoo]);
    for (let i = 0; i < 3; i++) await registry.getQuote({ symbol: 'AAPL' });
    clock.advance(30_000);
    await registry.getQuote({ symbol: 'AAPL' });
    expect(finnhub.calls).toHaveLength(4);
    expect(registry.states()[0]).toMatchObject({ breaker: 'open', opens: 2 });
    await registry.getQuote({ symbol: 'AAPL' });
    expect(finnhub.calls).toHaveLength(4);
  });

  it('remembers "no access" for a market for an hour, without holding it against the source', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = (symbol) =>
      symbol.endsWith('.L') ? new ProviderError('plan_required', 'no access') : 150;
    const { registry, clock, outcomes } = setup([finnhub, yahoo]);
    expect((await registry.getQuote({ symbol: 'VOD.L' }))?.source).toBe('yahoo');
    expect((await registry.getQuote({ symbol: 'BP.L' }))?.source).toBe('yahoo');
    expect(finnhub.calls).toEqual(['VOD.L']);
    expect(outcomes).toContain('finnhub:denied');
    expect((await registry.getQuote({ symbol: 'AAPL' }))?.source).toBe('finnhub');
    expect(registry.states()[0]?.breaker).toBe('closed');
    clock.advance(60 * 60_000);
    await registry.getQuote({ symbol: 'VOD.L' });
    expect(finnhub.calls).toEqual(['VOD.L', 'AAPL', 'VOD.L']);
  });

  it("keeps each source within its request budget, sending the rest of the minute's calls on", async () => {
    const alpha = new ScriptedSource('alphavantage', { requestsPerMinute: 2, description: '2 a minute' });
    const yahoo = new ScriptedSource('yahoo');
    const { registry, clock } = setup([alpha, yahoo]);
    const sources = [];
    for (let i = 0; i < 4; i++) sources.push((await registry.getQuote({ symbol: 'IBM' }))?.source);
    expect(sources).toEqual(['alphavantage', 'alphavantage', 'yahoo', 'yahoo']);
    expect(registry.states()[0]?.budget).toEqual({ used: 2, perMinute: 2 });
    clock.advance(60_001);
    expect((await registry.getQuote({ symbol: 'IBM' }))?.source).toBe('alphavantage');
  });

  it('skips sources that do not serve the symbol, and tells the most useful error when all fail', async () => {
    const binance = new ScriptedSource('binance', undefined, (symbol) => symbol.startsWith('BINANCE:'));
    const finnhub = new ScriptedSource('finnhub');
    finnhub.answer = () => new ProviderError('rate_limited', 'Finnhub rate limit reached', 30);
    const { registry } = setup([binance, finnhub]);
    await expect(registry.getQuote({ symbol: 'AAPL' })).rejects.toMatchObject({ reason: 'rate_limited' });
    expect(binance.calls).toEqual([]);
  });

  it('takes an answer that makes no sense as a failure of that source, never an error for the request', async () => {
    const finnhub = new ScriptedSource('finnhub');
    const yahoo = new ScriptedSource('yahoo');
    finnhub.answer = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'c')");
    };
    const { registry } = setup([finnhub, yahoo]);
    expect((await registry.getQuote({ symbol: 'AAPL' }))?.source).toBe('yahoo');
    expect(registry.states()[0]?.lastError?.message).toBe('Finnhub sent an answer that could not be read');
  });
});
