import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How many wanted symbols the feed streams, polls and leaves out (the market's `Coverage`). */
type Coverage = Record<'live' | 'polled' | 'leftOut', number>;

/**
 * The app's Prometheus metrics, in a registry of its own (not prom-client's global one), so several
 * apps in one process (tests) do not collide. Gauges that mirror state read it when scraped.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readUpstream: () => { connected: boolean; subscriptions: number } = () => ({
    connected: false,
    subscriptions: 0,
  });
  private readRestBudget: (() => number) | undefined;
  private readCoverage: () => Coverage = () => ({ live: 0, polled: 0, leftOut: 0 });
  readonly upstreamConnected: Gauge = new Gauge({
    name: 'stocktracker_upstream_connected',
    help: '1 while the market-data feed connection is up',
    registers: [this.registry],
    collect: () => this.upstreamConnected.set(this.readUpstream().connected ? 1 : 0),
  });
  readonly upstreamSubscriptions: Gauge = new Gauge({
    name: 'stocktracker_upstream_subscriptions',
    help: 'Symbols subscribed on the market-data feed connection',
    registers: [this.registry],
    collect: () => this.upstreamSubscriptions.set(this.readUpstream().subscriptions),
  });
  readonly marketSymbols: Gauge<'coverage'> = new Gauge({
    name: 'stocktracker_market_symbols',
    help: 'Wanted symbols by how the feed serves them: live (streamed), polled (REST), left_out (neither)',
    labelNames: ['coverage'] as const,
    registers: [this.registry],
    collect: () => {
      const { live, polled, leftOut } = this.readCoverage();
      this.marketSymbols.set({ coverage: 'live' }, live);
      this.marketSymbols.set({ coverage: 'polled' }, polled);
      this.marketSymbols.set({ coverage: 'left_out' }, leftOut);
    },
  });
  readonly restCalls = new Counter({
    name: 'stocktracker_rest_calls_total',
    help: 'REST calls to the market-data provider, by HTTP status (or error)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly sourceCalls = new Counter({
    name: 'stocktracker_source_calls_total',
    help: 'Calls the source registry made to (or skipped for) each market-data source, by outcome: ok, unknown (the source did not know the symbol), failed, denied (no access on this plan), skipped_open (breaker open), skipped_budget',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  private readSources: () => ReadonlyArray<{ id: string; breaker: 'closed' | 'open' | 'half_open' }> =
    () => [];
  readonly sourceBreaker: Gauge<'source'> = new Gauge({
    name: 'stocktracker_source_breaker_state',
    help: "Each market-data source's circuit breaker: 0 closed (asked), 1 half open (one probe next), 2 open (skipped)",
    labelNames: ['source'] as const,
    registers: [this.registry],
    collect: () => {
      for (const { id, breaker } of this.readSources()) {
        this.sourceBreaker.set({ source: id }, breaker === 'closed' ? 0 : breaker === 'half_open' ? 1 : 2);
      }
    },
  });
  readonly restBudgetRemaining: Gauge = new Gauge({
    name: 'stocktracker_rest_budget_remaining',
    help: 'REST calls still allowed in the current minute window (absent without a REST provider)',
    registers: [this.registry],
    collect: () => {
      if (this.readRestBudget) this.restBudgetRemaining.set(this.readRestBudget());
    },
  });
  /** Ticks since the last scrape, a plain number: `countTickIngested` runs per trade, the counter's `inc` per scrape. */
  private ticksSinceScrape = 0;
  private readonly ticksIngested: Counter = new Counter({
    name: 'stocktracker_ticks_ingested_total',
    help: 'Price updates merged into the hub (trades, polls, simulated ticks), after duplicates are dropped',
    registers: [this.registry],
    collect: () => {
      this.ticksIngested.inc(this.ticksSinceScrape);
      this.ticksSinceScrape = 0;
    },
  });
  readonly batchWrites = new Histogram({
    name: 'stocktracker_db_batch_write_seconds',
    help: 'Batched database writes (one per flush): last quotes and price bars',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly streamClients = new Gauge({
    name: 'stocktracker_stream_clients',
    help: 'Open browser stream connections',
    registers: [this.registry],
  });
  readonly messagesSent = new Counter({
    name: 'stocktracker_stream_messages_sent_total',
    help: 'Frames sent to browsers',
    registers: [this.registry],
  });
  readonly quotesSent = new Counter({
    name: 'stocktracker_stream_quotes_sent_total',
    help: 'Quotes sent to browsers (a frame carries several)',
    registers: [this.registry],
  });
  readonly tickToSend = new Histogram({
    name: 'stocktracker_tick_to_send_seconds',
    help: 'From a price update reaching the hub to its frames being handed to the sockets',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'stocktracker_deliveries_total',
    help: 'Alert deliveries by channel type (email, webhook, push) and outcome: sent, retry (an attempt failed, another is due), failed (for good), held (quiet hours), removed (push subscription gone)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  private readCluster: () => { leader: boolean; members: number; instance: string; leaderId: string } =
    () => ({
      leader: true,
      members: 1,
      instance: '',
      leaderId: '',
    });
  readonly clusterInfo: Gauge<'instance' | 'leader'> = new Gauge({
    name: 'stocktracker_cluster_info',
    help: "Always 1: this instance's id and the feed leader's id as labels",
    labelNames: ['instance', 'leader'] as const,
    registers: [this.registry],
    collect: () => {
      const { instance, leaderId } = this.readCluster();
      this.clusterInfo.reset();
      this.clusterInfo.set({ instance, leader: leaderId }, 1);
    },
  });
  readonly clusterLeader: Gauge = new Gauge({
    name: 'stocktracker_cluster_leader',
    help: '1 on the instance that holds the feed (and a single instance), 0 on the others',
    registers: [this.registry],
    collect: () => this.clusterLeader.set(this.readCluster().leader ? 1 : 0),
  });
  readonly clusterMembers: Gauge = new Gauge({
    name: 'stocktracker_cluster_members',
    help: 'Instances of the cluster seen alive by this one (1 without a cluster)',
    registers: [this.registry],
    collect: () => this.clusterMembers.set(this.readCluster().members),
  });
  private readAlertRules: () => number = () => 0;
  readonly alertRulesActive: Gauge = new Gauge({
    name: 'stocktracker_alert_rules_active',
    help: 'Active alert rules evaluated on every tick',
    registers: [this.registry],
    collect: () => this.alertRulesActive.set(this.readAlertRules()),
  });
  readonly alertFirings = new Counter({
    name: 'stocktracker_alert_firings_total',
    help: 'Alert firings stored, by rule kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Includes nodejs_eventloop_lag_seconds, process CPU and memory.
    collectDefaultMetrics({ register: this.registry });
  }

  countTickIngested(): void {
    this.ticksSinceScrape++;
  }

  /** Where the cluster gauges read this instance's role and the members seen, at scrape time. */
  observeCluster(read: () => { leader: boolean; members: number; instance: string; leaderId: string }): void {
    this.readCluster = read;
  }

  /** Where the active-rules gauge reads its count at scrape time. */
  observeAlerts(activeRules: () => number): void {
    this.readAlertRules = activeRules;
  }

  /** Where the gauges that mirror live state read it at scrape time. */
  observe(read: {
    upstream: () => { connected: boolean; subscriptions: number };
    coverage: () => Coverage;
    restBudgetRemaining?: () => number;
    sources?: () => ReadonlyArray<{ id: string; breaker: 'closed' | 'open' | 'half_open' }>;
  }): void {
    if (read.sources) this.readSources = read.sources;
    this.readUpstream = read.upstream;
    this.readCoverage = read.coverage;
    this.readRestBudget = read.restBudgetRemaining;
  }
}
