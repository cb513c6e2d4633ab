// npx tsx bench/price-hub.ts [--trades N] [--symbols M]
// The per-trade path in one process, without sockets: N trades over M symbols through the price hub
// and the app's own listeners (bars, changed quotes, the ingest counter, the stream hub with one
// connection watching every symbol). Prints ns per trade and young-generation collections, so a change
// to that path is measured in seconds instead of a full `bench:stream` run.
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DomainEventBus } from '../src/events.js';
import { BarAggregator } from '../src/history/bar-aggregator.js';
import { AppMetrics } from '../src/metrics.js';
import { ChangedQuotes } from '../src/prices/changed-quotes.js';
import { StreamHub } from '../src/stream/stream-hub.js';
import { scriptedHub } from '../test/support/scripted-hub.js';

const { values: flags } = parseArgs({
  options: {
    trades: { type: 'string', default: '1000000' },
    symbols: { type: 'string', default: '500' },
  },
});
const tradeCount = Number(flags.trades);
const symbolCount = Number(flags.symbols);

const { clock, feed, hub } = scriptedHub();
const metrics = new AppMetrics();
hub.events.on('quote.updated', () => metrics.countTickIngested());
const changed = new ChangedQuotes();
changed.follow(hub.events);
const bars = new BarAggregator();
bars.follow(hub.events);
const stream = new StreamHub(hub, new DomainEventBus(), clock, metrics, {
  intervalMs: 60_000,
  highWaterBytes: 1 << 20,
  stuckMs: 10_000,
});
const sink = { bufferedAmount: 0, send() {}, close() {}, ping() {}, terminate() {} };
const symbols = Array.from({ length: symbolCount }, (_, i) => `S${i}`);
// Labelled as the live market's are: REST snapshots and socket trades from Finnhub.
feed.quoteSource = { source: 'finnhub', delayMinutes: 0 };
for (const symbol of symbols) {
  feed.push(symbol, 100, 99, clock.now() - 1000);
}
stream.start(stream.open('bench', 'session', sink), symbols, 'live');

let scavenges = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
  }
}).observe({ entryTypes: ['gc'] });

function run(count: number): void {
  let price = 100;
  for (let i = 0; i < count; i++) {
    // 5,000 trades a second, as in bench:stream: the clock moves 0.2 ms a trade.
    if (i % 5 === 0) clock.advance(1);
    price += ((i * 7919) % 11) / 100 - 0.05;
    feed.trade({
      symbol: symbols[i % symbolCount] as string,
      price,
      time: clock.now(),
      volume: (i % 9) + 1,
      source: 'finnhub',
    });
    // Persistence takes what gathered once a second, as the writers do.
    if (i % 5000 === 4999) {
      changed.take();
      bars.take();
    }
  }
}

run(100_000);
scavenges = 0;
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
run(tradeCount);
const cpu = process.cpuUsage(cpuBefore);
const elapsed = Number(process.hrtime.bigint() - started);
await new Promise((resolve) => setTimeout(resolve, 10));
stream.closeAll();
console.log(
  JSON.stringify({
    trades: tradeCount,
    nsPerTrade: Math.round(elapsed / tradeCount),
    // On a shared machine wall time includes waiting for a core; CPU time does not.
    cpuNsPerTrade: Math.round(((cpu.user + cpu.system) * 1000) / tradeCount),
    scavengesPerMillionTrades: Math.round((scavenges * 1e6) / tradeCount),
  }),
);
process.exit(0);
