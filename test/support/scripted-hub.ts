import { createLogger } from '../../src/logger.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { PriceHub } from '../../src/prices/price-hub.js';
import { ScriptedFeed } from './scripted-feed.js';
import { ManualClock } from './test-app.js';

/**
 * A price hub fed by a ScriptedFeed (the test pushes quotes and trades), asking a seeded simulated
 * market when it must fetch a quote: the hub as the app builds it, with no socket or database.
 */
export function scriptedHub(
  options: { clock?: ManualClock; provider?: SimulatedMarket; freshMs?: number } = {},
): { clock: ManualClock; feed: ScriptedFeed; hub: PriceHub } {
  const clock = options.clock ?? new ManualClock();
  const feed = new ScriptedFeed();
  const hub = new PriceHub({
    provider: options.provider ?? new SimulatedMarket(1, clock),
    feed,
    clock,
    logger: createLogger('silent'),
    freshMs: options.freshMs ?? 15_000,
    staleAfterMs: 120_000,
  });
  return { clock, feed, hub };
}
