// npm run bench:alerts -- [--rules N] [--symbols M] [--rate R] [--duration S] [--firing-rate F]
//                         [--kill-seconds K] [--interval MS] [--no-kill] [--cpu-rounds C]
//                         [--profile DIR] [--database-url postgres://...]
// Price alerts under load. First the evaluator alone, in this process (heap per rule, µs per tick).
// Then the built app as its own process against the fake Finnhub on loopback, trading R ticks/s over
// M symbols: C rounds of S seconds without the rules (stored but paused: none loaded), then S
// seconds with the N rules active, each a fresh process (CPU, GC and memory: what the rules cost,
// the median increase over the rounds), then, in the last one, a ramp that crosses F rules a second for S seconds (tick
// to `alert` frame on the owners' WebSockets, tick to signed webhook on a loopback receiver), then K
// more seconds of firings with a kill -9 of the app in the middle, a restart on the same database,
// and a count at the receivers: every stored firing delivered exactly once per channel.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import WebSocket from 'ws';
import { hashToken } from '../src/auth/tokens.js';
import { seededRandom } from '../src/clock.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { openPglite, openPostgres } from '../src/db/open.js';
import {
  alertEvents,
  alertRuleChannels,
  alertRules,
  deliveries,
  instruments,
  lastQuotes,
  notificationChannels,
  sessions,
  users,
  watchlistItems,
} from '../src/db/schema.js';
import type { FakeFinnhub } from '../test/support/fake-finnhub.js';
import { measureEvaluator } from './alert-evaluator-cost.js';
import { BASE_PRICE, bandPrice, buildWorkload, type RuleSpec, rampPrice } from './alert-workload.js';
import {
  benchDatabase,
  freePort,
  processUsage,
  sleep,
  startAppProcess,
  startBenchFinnhub,
} from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({
  options: {
    rules: { type: 'string', default: '100000' },
    symbols: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '5000' },
    /** Seconds per window: 60, so each CPU window holds one minute boundary (bars flushed, the poller's round). */
    duration: { type: 'string', default: '60' },
    'firing-rate': { type: 'string', default: '100' },
    'kill-seconds': { type: 'string', default: '20' },
    /** Rounds of the app without and then with the rules, for the median CPU increase. */
    'cpu-rounds': { type: 'string', default: '5' },
    interval: { type: 'string', default: '250' },
    'no-kill': { type: 'boolean', default: false },
    /** Writes V8 CPU profiles of the app over each measured window to DIR (without-rules, with-rules, firing). */
    profile: { type: 'string' },
    /** A PostgreSQL server (postgres://.../anydb): the bench creates and drops its own database there. */
    'database-url': { type: 'string' },
  },
});
const RULES = Number(flags.rules);
const SYMBOLS = Number(flags.symbols);
const RATE = Number(flags.rate);
const DURATION_S = Number(flags.duration);
const FIRING_RATE = Number(flags['firing-rate']);
const KILL_S = flags['no-kill'] ? 0 : Number(flags['kill-seconds']);
const INTERVAL_MS = Number(flags.interval);
const CPU_ROUNDS = Math.max(1, Number(flags['cpu-rounds']));
const RULES_PER_USER = 200;
const WARMUP_MS = 5000;
/** The delivery loop's lease on a claimed outbox row: a row claimed by the killed app is sent again after it. */
const DELIVERY_LEASE_MS = 120_000;
/** Whether this checkout has the delivery loop (webhooks): without it the webhook figures are null. */
const HAS_DELIVERY = existsSync(join(root, 'src/delivery/delivery-loop.ts'));

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const workload = buildWorkload({
  rules: RULES,
  symbols: SYMBOLS,
  perUser: RULES_PER_USER,
  firingRate: FIRING_RATE,
  latencySeconds: DURATION_S,
  killSeconds: KILL_S,
});

function percentiles(values: number[]): { count: number; p50: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return { count: values.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}

const load = () => Number((loadavg()[0] ?? 0).toFixed(1));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// ---------------------------------------------------------------------------------------------
// The trades: quiet (every symbol within its band, no rule's threshold there), or the ramp.

class Trader {
  private rampStartedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly random = seededRandom(3);

  constructor(private readonly fake: FakeFinnhub) {}

  /** Starts (or restarts after a kill) R trades a second. */
  start(): void {
    const started = Date.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
      if (due <= 0) return;
      const now = Date.now();
      const price =
        this.rampStartedAt === undefined
          ? () => bandPrice(this.random)
          : // The ramp stops a second after the last planned crossing and stays there.
            () => rampPrice(Math.min((now - (this.rampStartedAt as number)) / 1000, DURATION_S + KILL_S + 1));
      const data = Array.from({ length: due }, () => ({
        s: workload.symbols[Math.floor(this.random() * SYMBOLS)] as string,
        p: price(),
        t: now,
        v: 1,
      }));
      this.fake.trades(data);
      sent += due;
    }, 10);
  }

  ramp(): void {
    this.rampStartedAt = Date.now();
  }

  /** Seconds since the ramp started. */
  rampSeconds(): number {
    return this.rampStartedAt === undefined ? 0 : (Date.now() - this.rampStartedAt) / 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The receivers: the rule owners' streams (alert frames) and a webhook receiver verifying signatures.

interface Receipt {
  /** The firing's id (the frame's `alert.id`, the webhook's `webhook-id`). */
  id: string;
  alertId: string;
  latencyMs: number;
}

class AlertStreams {
  readonly receipts: Receipt[] = [];
  private readonly sockets: WebSocket[] = [];

  async connect(port: number, tokens: string[]): Promise<number> {
    let opened = 0;
    for (let start = 0; start < tokens.length; start += 100) {
      const batch = tokens.slice(start, start + 100).map(
        (token) =>
          new Promise<void>((resolve) => {
            const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, {
              headers: { cookie: `st_session=${token}` },
              perMessageDeflate: false,
            });
            this.sockets.push(socket);
            socket.on('open', () => {
              opened++;
              resolve();
            });
            socket.on('error', () => resolve());
            socket.on('message', (data: Buffer) => this.onMessage(data));
          }),
      );
      await Promise.all(batch);
    }
    return opened;
  }

  private onMessage(data: Buffer): void {
    const now = Date.now();
    if (!data.subarray(0, 20).toString('latin1').startsWith('{"type":"alert"')) return;
    const { alert } = JSON.parse(data.toString('utf8')) as {
      alert: { id: string; alertId: string; firedAt: string };
    };
    this.receipts.push({ id: alert.id, alertId: alert.alertId, latencyMs: now - Date.parse(alert.firedAt) });
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.length = 0;
  }
}

interface WebhookReceipt extends Receipt {
  channel: string;
}

class WebhookReceiver {
  readonly receipts: WebhookReceipt[] = [];
  badSignatures = 0;
  private readonly server: Server;
  port = 0;

  /** `secrets`: each channel's `whsec_` secret by the path it posts to. */
  constructor(private readonly secrets: Map<string, string>) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const now = Date.now();
        const body = Buffer.concat(chunks).toString('utf8');
        const channel = request.url ?? '';
        const id = String(request.headers['webhook-id']);
        const timestamp = String(request.headers['webhook-timestamp']);
        const secret = this.secrets.get(channel) ?? '';
        const expected = `v1,${createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
          .update(`${id}.${timestamp}.${body}`)
          .digest('base64')}`;
        const signatures = String(request.headers['webhook-signature']).split(' ');
        if (!signatures.includes(expected)) this.badSignatures++;
        const { data } = JSON.parse(body) as { data: { alertId: string; time: string } };
        this.receipts.push({ id, channel, alertId: data.alertId, latencyMs: now - Date.parse(data.time) });
        response.writeHead(204).end();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// The database: users, sessions, one webhook channel each, a watchlist holding every symbol (so
// the run without rules streams them too), last quotes with the previous close; the rules later.

async function openDatabase(target: { url: string } | { dataDir: string }): Promise<DatabaseHandle> {
  return 'url' in target ? openPostgres(target.url) : openPglite(target);
}

interface Seeded {
  tokens: string[];
  userIds: string[];
  channelIds: string[];
  /** Channel secrets by the receiver path each channel posts to. */
  secrets: Map<string, string>;
}

async function seedBase(database: DatabaseHandle, receiverPort: number): Promise<Seeded> {
  const { db } = database;
  const passwordHash = await hash('benchmark-password-1');
  await db
    .insert(instruments)
    .values(workload.symbols.map((symbol) => ({ symbol, name: `Alert ${symbol}`, currency: 'USD' })));
  const now = new Date();
  await db.insert(lastQuotes).values(
    workload.symbols.map((symbol) => ({
      symbol,
      price: String(BASE_PRICE),
      previousClose: String(BASE_PRICE),
      change: '0',
      changePercent: '0',
      quotedAt: now,
    })),
  );
  const tokens: string[] = [];
  const userIds: string[] = [];
  const channelIds: string[] = [];
  const secrets = new Map<string, string>();
  for (let start = 0; start < workload.users; start += 500) {
    const count = Math.min(500, workload.users - start);
    const rows = await db
      .insert(users)
      .values(
        Array.from({ length: count }, (_, i) => ({
          username: `alerts${start + i}`,
          email: `alerts${start + i}@example.com`,
          passwordHash,
        })),
      )
      .returning({ id: users.id });
    const batchTokens = rows.map(() => randomBytes(32).toString('base64url'));
    await db.insert(sessions).values(
      rows.map((row, i) => ({
        idHash: hashToken(batchTokens[i] ?? ''),
        userId: row.id,
        csrfToken: 'x',
        expiresAt: new Date(Date.now() + 86_400_000),
      })),
    );
    const channelSecrets = rows.map(() => `whsec_${randomBytes(32).toString('base64')}`);
    const channels = await db
      .insert(notificationChannels)
      .values(
        rows.map((row, i) => ({
          userId: row.id,
          type: 'webhook',
          name: 'Bench receiver',
          url: `http://127.0.0.1:${receiverPort}/hook/${start + i}`,
          format: 'standard',
          secret: channelSecrets[i],
        })),
      )
      .returning({ id: notificationChannels.id });
    rows.forEach((row, i) => {
      tokens.push(batchTokens[i] ?? '');
      userIds.push(row.id);
      channelIds.push(channels[i]?.id ?? '');
      secrets.set(`/hook/${start + i}`, channelSecrets[i] ?? '');
    });
  }
  const [market] = await db
    .insert(users)
    .values({ username: 'alerts-market', email: 'alerts-market@example.com', passwordHash })
    .returning({ id: users.id });
  await db
    .insert(watchlistItems)
    .values(workload.symbols.map((symbol) => ({ userId: market?.id ?? '', symbol })));
  return { tokens, userIds, channelIds, secrets };
}

/** Inserts the rules (each sending to its owner's webhook channel); answers their ids, in order. */
async function seedRules(database: DatabaseHandle, seeded: Seeded): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < workload.rules.length; start += 2000) {
    const batch = workload.rules.slice(start, start + 2000);
    const rows = await database.db
      .insert(alertRules)
      .values(
        batch.map((rule) => ({
          userId: seeded.userIds[rule.user] ?? '',
          symbol: rule.symbol,
          kind: rule.kind,
          threshold: rule.threshold,
          windowMinutes: rule.windowMinutes,
          frequency: rule.frequency,
          hysteresisPercent: 0.5,
          cooldownMinutes: 15,
          regularHoursOnly: rule.regularHoursOnly,
          status: 'active',
          armed: true,
        })),
      )
      .returning({ id: alertRules.id });
    await database.db
      .insert(alertRuleChannels)
      .values(
        rows.map((row, i) => ({ ruleId: row.id, channelId: seeded.channelIds[batch[i]?.user ?? 0] ?? '' })),
      );
    ids.push(...rows.map((row) => row.id));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The app's figures over one window.

async function appHeapBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
}

/** Seconds the app spent in garbage collection so far, by kind (minor, major, incremental, weakcb). */
async function appGcSeconds(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const seconds: Record<string, number> = {};
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm))
    seconds[match[1] as string] = Number(match[2]);
  return seconds;
}

/** A DevTools protocol session with the app (`--inspect` on `port`): one command at a time. */
async function inspect(port: number): Promise<{
  send: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;
  close: () => void;
}> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const socket = new WebSocket(target?.webSocketDebuggerUrl ?? '');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> };
        if (reply.id !== id) return;
        socket.off('message', onMessage);
        resolve(reply.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/**
 * A full garbage collection in the app: the heap it leaves is what the app keeps, not what it has
 * not collected yet.
 */
async function collectAppGarbage(port: number): Promise<void> {
  const session = await inspect(port);
  await session.send('HeapProfiler.collectGarbage');
  session.close();
}

/** CPU seconds of a process's main thread and of all its other threads (V8's GC helpers, libuv's pool). */
function threadCpu(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    if (tid === String(pid)) main += seconds;
    else others += seconds;
  }
  return { main, others };
}

interface AppProcess {
  server: ChildProcess;
  url: string;
  inspectPort: number;
}

/** What a measured window found. */
interface Window {
  cpuCores: number;
  mainThreadCores: number;
  /** Cores spent in garbage collection over the window, by kind (from the app's own metrics). */
  gcCores: Record<string, number>;
  rssMb: number;
  heapAfterGcMb: number;
  loadAverage: number[];
}

/**
 * The app's CPU over `seconds` (in all, and its main thread's), then its RSS and heap after a full
 * collection; with `profileFile`, a V8 CPU profile of exactly that window.
 */
async function measureWindow(app: AppProcess, seconds: number, profileFile?: string): Promise<Window> {
  const pid = app.server.pid ?? 0;
  const loadBefore = load();
  const before = processUsage(pid);
  const threadsBefore = threadCpu(pid);
  const gcBefore = await appGcSeconds(app.url);
  const profiler = profileFile ? await inspect(app.inspectPort) : undefined;
  await profiler?.send('Profiler.enable');
  await profiler?.send('Profiler.start');
  const started = Date.now();
  await sleep(seconds * 1000);
  const after = processUsage(pid);
  const threadsAfter = threadCpu(pid);
  const wall = (Date.now() - started) / 1000;
  if (profiler && profileFile) {
    const { profile } = await profiler.send('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    profiler.close();
  }
  const gcAfter = await appGcSeconds(app.url);
  const gcCores = Object.fromEntries(
    Object.entries(gcAfter).map(([kind, total]) => [
      kind,
      Number(((total - (gcBefore[kind] ?? 0)) / wall).toFixed(4)),
    ]),
  );
  const loadAfter = load();
  await collectAppGarbage(app.inspectPort);
  return {
    cpuCores: Number(((after.cpuSeconds - before.cpuSeconds) / wall).toFixed(3)),
    mainThreadCores: Number(((threadsAfter.main - threadsBefore.main) / wall).toFixed(3)),
    gcCores,
    rssMb: Number((processUsage(pid).rssBytes / 1048576).toFixed(1)),
    heapAfterGcMb: Number(((await appHeapBytes(app.url)) / 1048576).toFixed(1)),
    loadAverage: [loadBefore, loadAfter],
  };
}

async function stopApp(server: ChildProcess, signal: NodeJS.Signals) {
  if (server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill(signal);
  await exited;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`evaluator in process: ${RULES} rules over ${SYMBOLS} symbols`);
  const inProcess = measureEvaluator(workload, { rate: RATE, quietSeconds: DURATION_S });
  log(`  ${JSON.stringify(inProcess)}`);

  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const finnhub = await startBenchFinnhub(workload.symbols);
  const { fake } = finnhub;
  const folder = mkdtempSync(join(tmpdir(), 'st-bench-alerts-'));
  const dataDir = join(folder, 'data');
  const serverUrl = flags['database-url'];
  const benchDb = await benchDatabase(serverUrl);
  const target = benchDb.url ? { url: benchDb.url } : { dataDir };

  const webhookSecrets = new Map<string, string>();
  const receiver = new WebhookReceiver(webhookSecrets);
  await receiver.start();
  log(`seeding ${workload.users} users, ${SYMBOLS} symbols`);
  let database = await openDatabase(target);
  const seeded = await seedBase(database, receiver.port);
  for (const [path, secret] of seeded.secrets) webhookSecrets.set(path, secret);
  await database.close();

  const appEnv = {
    FINNHUB_WS_MAX_SYMBOLS: String(SYMBOLS),
    STREAM_INTERVAL_MS: String(INTERVAL_MS),
    REQUESTS_PER_ADDRESS_PER_MINUTE: String(1_000_000),
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
  const start = async (): Promise<AppProcess & { port: number }> => {
    const inspectPort = await freePort();
    const started = await startAppProcess({
      fake,
      dataDir,
      databaseUrl: benchDb.url,
      env: appEnv,
      nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
    });
    return { ...started, inspectPort };
  };
  if (flags.profile) mkdirSync(flags.profile, { recursive: true });
  const profileFile = (name: string) =>
    flags.profile ? join(flags.profile, `${name}.cpuprofile`) : undefined;
  const trader = new Trader(fake);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });

  // 1. The rules' cost: rounds of the app without them (stored, paused: not loaded) and with them
  // (active), each a fresh process over the same trades, alternating so that a change of load on
  // the machine hits both; the last round's app (with the rules) goes on to the firing phases.
  log(`seeding ${RULES} rules`);
  database = await openDatabase(target);
  const ruleIds = await seedRules(database, seeded);
  await database.close();
  const specById = new Map<string, RuleSpec>(ruleIds.map((id, i) => [id, workload.rules[i] as RuleSpec]));
  const phaseRules = (phase: 'latency' | 'kill') =>
    new Set(ruleIds.filter((id) => specById.get(id)?.fires === phase));
  const latencyRules = phaseRules('latency');
  const killRules = phaseRules('kill');

  /** Starts the app with the rules stored as `phase` says, connects the streams, trades, measures. */
  const measurePhase = async (phase: 'without' | 'with', round: number) => {
    database = await openDatabase(target);
    await database.db
      .update(alertRules)
      .set(
        phase === 'with'
          ? { status: 'active', pausedReason: null }
          : { status: 'paused', pausedReason: 'user' },
      );
    await database.close();
    log(`round ${round}: app ${phase} rules`);
    const startedAt = Date.now();
    const started = await start();
    const readyAfterMs = Date.now() - startedAt;
    const phaseStreams = new AlertStreams();
    const connected = await phaseStreams.connect(started.port, seeded.tokens);
    trader.start();
    await sleep(WARMUP_MS);
    const window = await measureWindow(
      started,
      DURATION_S,
      round === 1 ? profileFile(`${phase}-rules`) : undefined,
    );
    log(`  ${JSON.stringify(window)} (ready after ${readyAfterMs} ms)`);
    return { app: started, streams: phaseStreams, connected, readyAfterMs, window };
  };
  const stopPhase = async (phase: { app: AppProcess; streams: AlertStreams }) => {
    trader.stop();
    phase.streams.close();
    await stopApp(phase.app.server, 'SIGTERM');
  };
  const rounds: Array<{ withoutRules: Window; withRules: Window; cpuIncrease: number }> = [];
  let withPhase: Awaited<ReturnType<typeof measurePhase>> | undefined;
  for (let round = 1; round <= CPU_ROUNDS; round++) {
    if (withPhase) await stopPhase(withPhase);
    const withoutPhase = await measurePhase('without', round);
    await stopPhase(withoutPhase);
    withPhase = await measurePhase('with', round);
    rounds.push({
      withoutRules: withoutPhase.window,
      withRules: withPhase.window,
      cpuIncrease: Number((withPhase.window.cpuCores / withoutPhase.window.cpuCores - 1).toFixed(3)),
    });
  }
  if (!withPhase) throw new Error('no round measured');
  let { app, streams } = withPhase;
  const { connected, readyAfterMs } = withPhase;
  const lastRound = rounds.at(-1) as (typeof rounds)[number];
  const cpuIncrease = Number(median(rounds.map((r) => r.cpuIncrease)).toFixed(3));

  // 3. The ramp: F firings a second.
  log(`firing ${FIRING_RATE} a second for ${DURATION_S} s`);
  const framesBefore = streams.receipts.length;
  loopDelay.enable();
  trader.ramp();
  const firingWindow = await measureWindow(app, DURATION_S, profileFile('firing'));
  loopDelay.disable();
  log(`  ${JSON.stringify(firingWindow)}`);

  // 4. More firings, a kill -9 in the middle, a restart on the same database.
  let kill: Record<string, unknown> | null = null;
  if (KILL_S > 0) {
    // The kill lands halfway through the kill phase's crossings, however long the measures took.
    while (trader.rampSeconds() < DURATION_S + KILL_S / 2) await sleep(100);
    const killedAtRampSecond = Number(trader.rampSeconds().toFixed(1));
    log(`kill -9 at ramp second ${killedAtRampSecond}`);
    await stopApp(app.server, 'SIGKILL');
    const killedAt = Date.now();
    streams.close();
    const receivedBeforeKill = receiver.receipts.length;
    const restarted = Date.now();
    app = await start();
    const restartMs = Date.now() - restarted;
    log(`restarted in ${restartMs} ms; waiting out the delivery lease`);
    const waitUntil = killedAt + (HAS_DELIVERY ? DELIVERY_LEASE_MS + 15_000 : 10_000);
    while (Date.now() < waitUntil) await sleep(1000);
    kill = { killedAtRampSecond, restartMs, webhooksReceivedBeforeKill: receivedBeforeKill };
  } else {
    await sleep(5000);
  }
  trader.stop();
  await stopApp(app.server, 'SIGTERM');
  streams.close();

  // The count: what the database stored against what the receivers saw.
  database = await openDatabase(target);
  const events = await database.db
    .select({ id: alertEvents.id, ruleId: alertEvents.ruleId })
    .from(alertEvents);
  const outbox = await database.db
    .select({ eventId: deliveries.eventId, channelId: deliveries.channelId, status: deliveries.status })
    .from(deliveries);
  await database.close();

  const firedRules = new Set(events.map((event) => event.ruleId));
  const eventsByPhase = (rules: Set<string>) => events.filter((event) => rules.has(event.ruleId));
  const unexpected = events.filter(
    (event) => !latencyRules.has(event.ruleId) && !killRules.has(event.ruleId),
  );
  const webhookCounts = new Map<string, number>();
  for (const receipt of receiver.receipts)
    webhookCounts.set(receipt.id, (webhookCounts.get(receipt.id) ?? 0) + 1);
  const deliveryCheck = (stored: Array<{ id: string }>) => {
    let missing = 0;
    let duplicated = 0;
    let extraCopies = 0;
    for (const event of stored) {
      const copies = webhookCounts.get(event.id) ?? 0;
      if (copies === 0) missing++;
      if (copies > 1) {
        duplicated++;
        extraCopies += copies - 1;
      }
    }
    return { stored: stored.length, delivered: stored.length - missing, missing, duplicated, extraCopies };
  };
  const storedIds = new Set(events.map((event) => event.id));
  const outboxStatus: Record<string, number> = {};
  for (const row of outbox) outboxStatus[row.status] = (outboxStatus[row.status] ?? 0) + 1;

  const latencyFrames = streams.receipts.slice(framesBefore).filter((r) => latencyRules.has(r.alertId));
  const latencyHooks = receiver.receipts.filter((r) => latencyRules.has(r.alertId));
  const framesP = percentiles(latencyFrames.map((r) => r.latencyMs));
  const hooksP = percentiles(latencyHooks.map((r) => r.latencyMs));

  await receiver.stop();
  await finnhub.stop();
  await benchDb.drop();
  rmSync(folder, { recursive: true, force: true });

  const killPhase = eventsByPhase(killRules);
  const summary = {
    params: {
      database: serverUrl ? 'postgres' : 'pglite',
      rules: RULES,
      symbols: SYMBOLS,
      users: workload.users,
      ticksPerSecond: RATE,
      windowSeconds: DURATION_S,
      firingsPerSecond: FIRING_RATE,
      killSeconds: KILL_S,
      streamIntervalMs: INTERVAL_MS,
      webhooks: HAS_DELIVERY,
    },
    evaluatorInProcess: inProcess,
    app: {
      readyWithRulesMs: readyAfterMs,
      rounds,
      cpuIncrease,
      rssPerRuleBytes: Math.round(
        ((lastRound.withRules.rssMb - lastRound.withoutRules.rssMb) * 1048576) / RULES,
      ),
      heapPerRuleBytes: Math.round(
        ((lastRound.withRules.heapAfterGcMb - lastRound.withoutRules.heapAfterGcMb) * 1048576) / RULES,
      ),
      firing: firingWindow,
      streamsConnected: connected,
    },
    firingPhase: {
      planned: latencyRules.size,
      stored: eventsByPhase(latencyRules).length,
      alertFrames: framesP,
      webhooks: HAS_DELIVERY ? hooksP : null,
      benchEventLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
    },
    killPhase: kill && {
      ...kill,
      planned: killRules.size,
      stored: killPhase.length,
      rulesNotFired: [...killRules].filter((id) => !firedRules.has(id)).length,
      webhooks: HAS_DELIVERY ? deliveryCheck(killPhase) : null,
    },
    allFirings: {
      stored: events.length,
      unplanned: unexpected.length,
      outbox: outboxStatus,
      webhooks: HAS_DELIVERY ? deliveryCheck(events) : null,
      webhooksForUnknownFirings: receiver.receipts.filter((r) => !storedIds.has(r.id)).length,
      badSignatures: receiver.badSignatures,
    },
    targets: {
      cpuUnder10PercentMore: cpuIncrease < 0.1,
      alertFrameP99WithinIntervalPlus100ms: framesP ? framesP.p99 <= INTERVAL_MS + 100 : null,
      everyPlannedFiringFramed: latencyFrames.length === latencyRules.size,
      webhookP99Under1s: HAS_DELIVERY && hooksP ? hooksP.p99 < 1000 : null,
      everyStoredFiringDeliveredExactlyOnce: HAS_DELIVERY
        ? deliveryCheck(events).missing === 0 && deliveryCheck(events).duplicated === 0
        : null,
      noPlannedFiringLost: kill ? killPhase.length === killRules.size : null,
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
