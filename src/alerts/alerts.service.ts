import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ClusterView } from '../cluster/cluster.js';
import type { Database } from '../db/database.js';
import { assertChannelsOwned } from '../delivery/channels.repository.js';
import { outcomesOf } from '../delivery/deliveries.repository.js';
import type { DeliveryModule } from '../delivery/delivery.module.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import { loadBars } from '../history/history.repository.js';
import { normalizeSymbol } from '../market/kernel/symbols.js';
import type { HoldingsView } from '../portfolio/portfolio.schemas.js';
import { loadLastQuotes } from '../prices/last-quote.repository.js';
import type { PriceHub } from '../prices/price-hub.js';
import {
  type AlertCalendar,
  type AlertDecision,
  AlertEvaluator,
  type AlertRuleState,
  startsPastThreshold,
} from './alert-evaluator.js';
import { firingMessage, floodMessage, portfolioMessage } from './alert-messages.js';
import * as repo from './alerts.repository.js';
import {
  type AlertEventView,
  type AlertPatch,
  type AlertRuleInput,
  type AlertRuleView,
  isPositionKind,
  MAX_WINDOW_MINUTES,
  type SymbolAlertKind,
} from './alerts.schemas.js';
import { breakEvenOf, type HoldingsReader, portfolioSnapshotOf } from './holding-figures.js';
import {
  type PortfolioCalendar,
  type PortfolioDecision,
  PortfolioMoveTracker,
  type PortfolioRuleState,
} from './portfolio-moves.js';

const HOUR_MS = 3_600_000;
/** How many times a firing's write is tried before it is given up (logged). */
const WRITE_ATTEMPTS = 8;

export interface AlertsServiceOptions {
  db: Database;
  hub: PriceHub;
  events: DomainEventBus;
  clock: Clock;
  logger: Logger;
  calendar: AlertCalendar;
  /** The trading day of a whole portfolio (`portfolio_day_move`). */
  portfolioCalendar: PortfolioCalendar;
  /** The user's holdings (position rules' levels, portfolio rules' values). */
  holdings: HoldingsReader;
  /** Active rules a user may have. */
  alertsPerUser: number;
  /** Who evaluates: this instance when single or the cluster's leader. */
  cluster: ClusterView;
  /** Tells the instance that evaluates that a rule changed (cluster); nothing to do on a single instance. */
  announce: (ruleId: string) => void;
  /** Tells the instance that evaluates that a user's holdings changed (cluster). */
  announceHoldings: (userId: string) => void;
  /** Redelivery of a firing's failed deliveries (the delivery module's). */
  delivery: DeliveryModule;
  /** The market is simulated: every firing's message says so. */
  simulated: boolean;
  /** Waits between tries of a failed write (tests shorten it). */
  retryDelayMs?: number;
}

/**
 * Price alerts: the rules' API, and their evaluation on every tick. The evaluator decides in
 * memory as ticks arrive (no query per tick); what it decides is stored in order, each firing in
 * one transaction with its notification and outbox rows, and only then told (`alert.fired`). While
 * a rule is active its symbol is wanted by the market, so it is priced with no browser open.
 */
export class AlertsService {
  private readonly evaluator: AlertEvaluator;
  /** `portfolio_day_move` rules and the portfolios they watch. */
  private readonly portfolios: PortfolioMoveTracker;
  private writes: Promise<void> = Promise.resolve();
  /** Firings waiting for the write in flight, to be written together next (see `fire`). */
  private openBatch: PendingFiring[] | undefined;
  /** Whether this instance evaluates the rules (single, or the cluster's leader). */
  private evaluating = false;
  /** While the rules load, no tick is evaluated (see `lead`). */
  private loading = false;

  constructor(private readonly options: AlertsServiceOptions) {
    this.evaluator = new AlertEvaluator(options.calendar);
    this.portfolios = new PortfolioMoveTracker(options.portfolioCalendar);
  }

  /**
   * Evaluates ticks from now on: at once on a single instance or the cluster's leader, and from
   * whenever this instance becomes the leader (each rule is evaluated by one instance); returns
   * the stop.
   */
  async start(): Promise<() => Promise<void>> {
    const { hub, cluster } = this.options;
    const unsubscribe = hub.events.on('tick', ({ symbol, price, time, previousClose }) => {
      if (this.loading) return;
      const decisions = this.evaluator.evaluate(symbol, price, time, previousClose);
      if (decisions.length > 0) this.handle(decisions);
      const moves = this.portfolios.evaluate(symbol, price, time, previousClose);
      for (const move of moves) this.firePortfolio(move);
    });
    const stopFollowing = cluster.onRoleChange((role) => {
      if (role === 'follower') this.follow();
      else this.enqueue('loading alert rules', () => this.lead());
    });
    if (cluster.role() !== 'follower') await this.lead();
    return async () => {
      stopFollowing();
      unsubscribe();
      await this.writes;
    };
  }

  /**
   * A rule created, changed or deleted on another instance (told through the cluster): the leader
   * evaluates it as it is now stored.
   */
  async reload(ruleId: string): Promise<void> {
    if (!this.evaluating) return;
    const row = await repo.findRuleById(this.options.db, ruleId);
    if (row?.status === 'active') await this.retrack([row]);
    else this.untrack(ruleId);
  }

  /**
   * A user's transactions or cost-basis setting changed: their position rules take the levels the
   * holdings now derive, their portfolio rules the portfolio as it now is (nothing fires for the
   * change itself: only prices cross). Told to the instance that evaluates.
   */
  async holdingsChanged(userId: string): Promise<void> {
    if (!this.evaluating) {
      this.options.announceHoldings(userId);
      return;
    }
    const rows = await repo.listActiveHoldingRules(this.options.db, userId);
    if (rows.length > 0) await this.retrack(rows);
  }

  /**
   * Loads every active rule into the evaluator. Ticks arriving meanwhile are not evaluated: the
   * first one after is compared with the price stored before (a gap), with every rule in place.
   */
  private async lead(): Promise<void> {
    if (this.evaluating) return;
    this.evaluating = true;
    this.loading = true;
    try {
      const { db, clock } = this.options;
      const recent = await repo.recentFiringTimes(db, new Date(clock.now() - HOUR_MS));
      const rows = await repo.listActiveRules(db);
      for (const symbol of new Set(rows.filter(isMoveRule).map((row) => row.symbol as string))) {
        await this.loadMinutes(symbol);
      }
      // The previous price of each symbol is the one stored before this start (or before the last
      // leader died), not what the hub may already have received since: a crossing in between is
      // a gap, and fires at the first tick evaluated.
      const symbols = [...new Set(rows.flatMap((row) => (row.symbol === null ? [] : [row.symbol])))];
      const stored = symbols.length > 0 ? await loadLastQuotes(db, symbols) : [];
      for (const { quote } of stored) {
        this.evaluator.prime(quote.symbol, quote.price, quote.previousClose, { replace: true });
      }
      const holdings = await this.holdingInputs(rows);
      for (const row of rows) this.track(row, holdings, recent.get(row.id) ?? []);
    } finally {
      this.loading = false;
    }
  }

  /** Another instance evaluates the rules now. */
  private follow(): void {
    this.evaluating = false;
    for (const id of [...this.evaluator.ids(), ...this.portfolios.ids()]) this.untrack(id);
  }

  async list(userId: string): Promise<AlertRuleView[]> {
    const rows = await repo.listRules(this.options.db, userId);
    return rows.map((row) => this.toView(row));
  }

  async get(userId: string, id: string): Promise<AlertRuleView> {
    return this.toView(await this.requireRule(userId, id));
  }

  async create(
    userId: string,
    input: AlertRuleInput,
  ): Promise<{ alert: AlertRuleView; pastThreshold: boolean }> {
    const { db, hub, alertsPerUser } = this.options;
    const symbol = input.symbol === undefined ? null : this.requireSymbol(input.symbol);
    this.requireFutureExpiry(input.expiresAt);
    await this.requireOwnChannels(userId, input.channels);
    if ((await repo.countActiveRules(db, userId)) >= alertsPerUser) {
      throw new AppError('alert_limit_reached', `You can have at most ${alertsPerUser} active alerts.`);
    }
    const breakEven = isPositionKind(input.kind) ? await this.requireHolding(userId, symbol) : null;
    const known = symbol === null ? null : await hub.getQuote(symbol);
    if (symbol !== null && !known)
      throw new AppError('unknown_symbol', `No stock or instrument with the symbol ${symbol} was found.`);
    const row = await repo.insertRule(db, {
      userId,
      symbol,
      kind: input.kind,
      threshold: input.threshold,
      windowMinutes: input.windowMinutes ?? null,
      frequency: input.frequency,
      hysteresisPercent: input.hysteresisPercent,
      cooldownMinutes: input.cooldownMinutes,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      regularHoursOnly: input.regularHoursOnly,
      note: input.note ?? null,
      channels: input.channels,
    });
    if (symbol !== null && known) this.evaluator.prime(symbol, known.quote.price, known.quote.previousClose);
    await this.changed(row);
    return { alert: this.toView(row), pastThreshold: this.startsPast(row, breakEven, known?.quote ?? null) };
  }

  /** Whether a new rule starts past its threshold (it then waits for the market to come back and cross). */
  private startsPast(
    row: repo.AlertRuleRow,
    breakEven: number | null,
    quote: { price: number; previousClose: number | null } | null,
  ): boolean {
    if (row.kind === 'portfolio_day_move') {
      const move = this.portfolios.moveOf(row.userId);
      return move !== null && Math.abs(move) >= row.threshold;
    }
    if (!quote) return false;
    return startsPastThreshold(
      { kind: row.kind, threshold: row.threshold, breakEven },
      quote.price,
      quote.previousClose,
    );
  }

  /** The break-even price of the user's holding of `symbol`; a 400 naming the field when they hold none. */
  private async requireHolding(userId: string, symbol: string | null): Promise<number> {
    const breakEven = symbol === null ? null : breakEvenOf(await this.options.holdings(userId), symbol);
    if (breakEven === null) {
      throw new AppError('validation_error', undefined, {
        symbol: [`You hold no ${symbol}: a position alert is on a holding.`],
      });
    }
    return breakEven;
  }

  async update(userId: string, id: string, patch: AlertPatch): Promise<AlertRuleView> {
    const { db, clock, alertsPerUser } = this.options;
    const current = await this.requireRule(userId, id);
    if (patch.windowMinutes !== undefined && !isMoveRule(current)) {
      throw new AppError('validation_error', undefined, {
        windowMinutes: ['Only move alerts take a window.'],
      });
    }
    if (current.kind === 'position_loss' && patch.threshold !== undefined && patch.threshold >= 100) {
      throw new AppError('validation_error', undefined, {
        threshold: ['A loss alert is below 100 % (a holding cannot lose more than its cost).'],
      });
    }
    this.requireFutureExpiry(patch.expiresAt);
    if (patch.channels) await this.requireOwnChannels(userId, patch.channels);
    const { status, ...fields } = patch;
    const change: repo.RuleChange = { ...fields, expiresAt: undefined };
    if (patch.expiresAt !== undefined) change.expiresAt = patch.expiresAt ? new Date(patch.expiresAt) : null;
    if (status === 'paused' && current.status === 'active') {
      change.status = 'paused';
      change.pausedReason = 'user';
    }
    if (status === 'active' && current.status !== 'active') {
      const expiresAt = change.expiresAt === undefined ? current.expiresAt : change.expiresAt;
      if (expiresAt && expiresAt.getTime() <= clock.now()) {
        throw new AppError('validation_error', undefined, {
          expiresAt: ['The alert has expired: give a later date.'],
        });
      }
      if ((await repo.countActiveRules(db, userId)) >= alertsPerUser) {
        throw new AppError('alert_limit_reached', `You can have at most ${alertsPerUser} active alerts.`);
      }
      change.status = 'active';
      change.pausedReason = null;
      change.armed = true;
    }
    const row = await repo.updateRule(db, userId, id, change, new Date(clock.now()));
    if (!row) throw new AppError('alert_not_found');
    await this.changed(row);
    return this.toView(row);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await repo.deleteRule(this.options.db, userId, id))) throw new AppError('alert_not_found');
    if (this.evaluating) this.untrack(id);
    else this.options.announce(id);
  }

  /** Rules deleted with their account: evaluated no more, here or (told) on the instance that evaluates. */
  forget(ruleIds: readonly string[]): void {
    for (const id of ruleIds) {
      if (this.evaluating) this.untrack(id);
      else this.options.announce(id);
    }
  }

  /** A rule's firings, newest first, each with every channel's delivery outcome. */
  async events(userId: string, id: string): Promise<AlertEventView[]> {
    await this.requireRule(userId, id);
    const events = await repo.listEvents(this.options.db, id, 200);
    const outcomes = await outcomesOf(
      this.options.db,
      events.map((event) => event.id),
    );
    return events.map((event) => ({
      id: event.id,
      alertId: event.ruleId,
      occurrence: event.occurrence,
      symbol: event.symbol,
      kind: event.kind,
      threshold: event.threshold,
      price: event.price,
      firedAt: event.firedAt.toISOString(),
      message: event.message,
      simulated: event.simulated,
      deliveries: outcomes.get(event.id) ?? [],
    }));
  }

  /** Sends a firing again to the channels that failed it (the same firing id: receivers deduplicate). */
  async redeliver(userId: string, eventId: string): Promise<AlertEventView> {
    await this.options.delivery.redeliver(userId, eventId);
    const event = await repo.findEvent(this.options.db, userId, eventId);
    const [view] = (await this.events(userId, event?.ruleId ?? '')).filter(
      (candidate) => candidate.id === eventId,
    );
    return view as AlertEventView;
  }

  /** Marks the rules whose expiry passed as expired and stops evaluating them. */
  async expire(): Promise<void> {
    const expired = await repo.expireRules(this.options.db, new Date(this.options.clock.now()));
    for (const { id } of expired) this.untrack(id);
  }

  /** Active rules being evaluated (for metrics and tests). */
  get activeCount(): number {
    return this.evaluator.size + this.portfolios.size;
  }

  private handle(decisions: AlertDecision[]): void {
    const { hub } = this.options;
    for (const decision of decisions) {
      const { rule } = decision;
      if (decision.type === 'rearmed') {
        this.enqueue('alert rearm', () => repo.saveArmed(this.options.db, [rule.id]));
        continue;
      }
      if (!this.evaluator.get(rule.id)) hub.demand.remove(rule.symbol, 'alert');
      if (decision.type === 'flooded') {
        this.enqueue('alert flood pause', () =>
          repo.recordFlood(this.options.db, rule, floodMessage(rule), new Date(decision.time)),
        );
      } else {
        this.fire(decision);
      }
    }
  }

  /**
   * Queues a firing's write. Firings decided while an earlier write is in flight wait for it in one
   * open batch, written in one transaction (`recordFirings`): a burst (a gap, a restart, a busy
   * market) costs a few statements instead of a transaction per firing, and the backlog cannot grow
   * behind one-by-one writes. Each stored firing is then told, in order.
   */
  private fire(decision: Extract<AlertDecision, { type: 'fire' }>): void {
    const { rule, occurrence, price, time } = decision;
    const firedAt = new Date(time);
    this.store({
      ruleId: rule.id,
      userId: rule.userId,
      occurrence,
      symbol: rule.symbol,
      kind: rule.kind,
      threshold: rule.threshold,
      price,
      firedAt,
      message: firingMessage(decision, this.options.simulated),
      simulated: this.options.simulated,
      rule: snapshotOf(rule),
      state: {
        status: rule.frequency === 'once' ? 'fired' : 'active',
        armed: rule.armed,
        fireCount: occurrence,
        lastFiredAt: firedAt,
      },
    });
  }

  /**
   * A portfolio firing: no symbol, the portfolio's value as its price, and the level it crossed,
   * signed (-2 for a fall of 2 %), as its threshold: which direction fired is kept with it.
   */
  private firePortfolio(decision: PortfolioDecision): void {
    const { rule, occurrence, value, time, direction } = decision;
    const firedAt = new Date(time);
    const { up: _up, down: _down, ...snapshot } = rule;
    this.store({
      ruleId: rule.id,
      userId: rule.userId,
      occurrence,
      symbol: null,
      kind: 'portfolio_day_move',
      threshold: direction === 'up' ? rule.threshold : -rule.threshold,
      price: value,
      firedAt,
      message: portfolioMessage(decision, this.options.simulated),
      simulated: this.options.simulated,
      rule: snapshot,
      state: {
        status: rule.frequency === 'once' ? 'fired' : 'active',
        armed: this.portfolios.isArmedAt(rule, time),
        fireCount: occurrence,
        lastFiredAt: firedAt,
      },
    });
  }

  private store(pending: PendingFiring): void {
    if (this.openBatch) {
      this.openBatch.push(pending);
      return;
    }
    const batch = [pending];
    this.enqueue('alert firing', async () => {
      // From here on, new firings go in the next batch.
      if (this.openBatch === batch) this.openBatch = undefined;
      const storedAt = new Date(this.options.clock.now());
      const stored = await repo.recordFirings(
        this.options.db,
        batch.map((firing) => ({ ...firing, storedAt })),
      );
      batch.forEach((firing, i) => {
        const id = stored[i]?.id;
        if (!id) return;
        this.options.events.emit('alert.fired', {
          userId: firing.userId,
          firing: {
            id,
            alertId: firing.ruleId,
            symbol: firing.symbol,
            kind: firing.kind,
            threshold: firing.threshold,
            price: firing.price,
            firedAt: firing.firedAt,
            message: firing.message,
            simulated: firing.simulated,
          },
        });
      });
    });
    this.openBatch = batch;
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    // Writes stay in the order decided: a firing after this write goes in a later batch.
    this.openBatch = undefined;
    const delay = this.options.retryDelayMs ?? 1000;
    this.writes = this.writes.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await write();
          return;
        } catch (error) {
          if (attempt >= WRITE_ATTEMPTS) {
            this.options.logger.error({ err: error, what }, 'could not store an alert decision; giving up');
            return;
          }
          this.options.logger.warn(
            { reason: (error as Error).message, what, attempt },
            'alert write failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, delay * attempt));
        }
      }
    });
  }

  /** The symbol's stored 1-minute bars of the longest move window: moves are measured across a restart. */
  private async loadMinutes(symbol: string): Promise<void> {
    const from = this.options.clock.now() - MAX_WINDOW_MINUTES * 60_000;
    for (const bar of await loadBars(this.options.db, symbol, '1m', from)) {
      this.evaluator.recordMinute(symbol, bar.time, bar.low, bar.high);
    }
  }

  /** Evaluates a stored rule as it is now: here when this instance evaluates, else told to the one that does. */
  private async changed(row: repo.AlertRuleRow): Promise<void> {
    if (!this.evaluating) {
      this.options.announce(row.id);
      return;
    }
    if (row.status === 'active') await this.retrack([row]);
    else this.untrack(row.id);
  }

  /**
   * Evaluates stored active rules as they are now, each keeping its in-memory state. What they need
   * is read first (a move window's stored minutes, the holdings), then each rule is replaced at
   * once: no tick passes while one is out.
   */
  private async retrack(rows: repo.AlertRuleRow[]): Promise<void> {
    for (const row of rows) {
      if (isMoveRule(row) && row.symbol !== null && !this.evaluator.hasMoveRules(row.symbol)) {
        await this.loadMinutes(row.symbol);
      }
    }
    const holdings = await this.holdingInputs(rows);
    for (const row of rows) {
      const before = this.untrack(row.id);
      this.track(row, holdings, before && 'recentFirings' in before ? before.recentFirings : [], before);
    }
  }

  /**
   * What holding rules need, read once per user: each user's holdings (position levels, portfolio
   * values), and each portfolio rule's last firing per direction (at most once per trading day
   * holds across a restart).
   */
  private async holdingInputs(rows: readonly repo.AlertRuleRow[]): Promise<HoldingInputs> {
    const views = new Map<string, HoldingsView>();
    const users = new Set(
      rows
        .filter((row) => isPositionKind(row.kind) || row.kind === 'portfolio_day_move')
        .map((row) => row.userId),
    );
    for (const userId of users) {
      try {
        views.set(userId, await this.options.holdings(userId));
      } catch (error) {
        // One user's unreadable ledger (a rate missing) leaves their holding rules waiting for its
        // next change, not everyone's rules.
        this.options.logger.warn(
          { reason: (error as Error).message, userId },
          'reading holdings for alerts failed',
        );
      }
    }
    const portfolioIds = rows.filter((row) => row.kind === 'portfolio_day_move').map((row) => row.id);
    const lastFirings =
      portfolioIds.length > 0
        ? await repo.lastFiringsByDirection(this.options.db, portfolioIds)
        : new Map<string, repo.DirectionFirings>();
    return { views, lastFirings };
  }

  /**
   * Starts evaluating a rule; `previous` is its in-memory state, newer than the row while writes are
   * queued. A position rule whose holding is gone waits, unevaluated, for the next change of the
   * holdings.
   */
  private track(
    row: repo.AlertRuleRow,
    holdings: HoldingInputs,
    recentFirings: number[],
    previous?: AlertRuleState | PortfolioRuleState,
  ): void {
    const fireCount = Math.max(row.fireCount, previous?.fireCount ?? 0);
    const lastFiredAt = previous?.lastFiredAt ?? row.lastFiredAt?.getTime() ?? null;
    if (row.kind === 'portfolio_day_move') {
      const before = previous && 'up' in previous ? previous : undefined;
      const fired = holdings.lastFirings.get(row.id);
      this.portfolios.add({
        id: row.id,
        userId: row.userId,
        threshold: row.threshold,
        frequency: row.frequency,
        hysteresisPercent: row.hysteresisPercent,
        expiresAt: row.expiresAt?.getTime() ?? null,
        regularHoursOnly: row.regularHoursOnly,
        fireCount,
        lastFiredAt,
        up: before?.up ?? { armed: true, lastFiredAt: fired?.up ?? null },
        down: before?.down ?? { armed: true, lastFiredAt: fired?.down ?? null },
      });
      const view = holdings.views.get(row.userId);
      if (view)
        this.portfolios.load(
          row.userId,
          portfolioSnapshotOf(view, (symbol) => this.previousClose(symbol)),
        );
      return;
    }
    const symbol = row.symbol as string;
    const view = holdings.views.get(row.userId);
    const breakEven = isPositionKind(row.kind) && view ? breakEvenOf(view, symbol) : null;
    if (isPositionKind(row.kind) && breakEven === null) return;
    const known = this.options.hub.peek(symbol);
    if (known) this.evaluator.prime(symbol, known.quote.price, known.quote.previousClose);
    this.evaluator.add({
      id: row.id,
      userId: row.userId,
      symbol,
      kind: row.kind as SymbolAlertKind,
      threshold: row.threshold,
      windowMinutes: row.windowMinutes,
      breakEven,
      frequency: row.frequency,
      hysteresisPercent: row.hysteresisPercent,
      cooldownMinutes: row.cooldownMinutes,
      expiresAt: row.expiresAt?.getTime() ?? null,
      regularHoursOnly: row.regularHoursOnly,
      armed: row.armed,
      fireCount,
      lastFiredAt,
      recentFirings,
    });
    this.options.hub.demand.add(symbol, 'alert');
  }

  private previousClose(symbol: string): number | null {
    return this.options.hub.peek(symbol)?.quote.previousClose ?? null;
  }

  private untrack(id: string): AlertRuleState | PortfolioRuleState | undefined {
    const rule = this.evaluator.remove(id);
    if (rule) {
      this.options.hub.demand.remove(rule.symbol, 'alert');
      return rule;
    }
    return this.portfolios.remove(id);
  }

  private toView(row: repo.AlertRuleRow): AlertRuleView {
    const now = this.options.clock.now();
    const live = this.evaluator.get(row.id);
    const portfolio = this.portfolios.get(row.id);
    const state = live ?? portfolio;
    let armed = row.armed;
    if (live) armed = this.evaluator.isArmedAt(live, now);
    else if (portfolio) armed = this.portfolios.isArmedAt(portfolio, now);
    return {
      id: row.id,
      symbol: row.symbol,
      kind: row.kind,
      threshold: row.threshold,
      windowMinutes: row.windowMinutes,
      frequency: row.frequency,
      hysteresisPercent: row.hysteresisPercent,
      cooldownMinutes: row.cooldownMinutes,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      regularHoursOnly: row.regularHoursOnly,
      channels: row.channels,
      note: row.note,
      status: row.status,
      pausedReason: row.pausedReason,
      armed: row.status === 'active' && armed,
      fireCount: state?.fireCount ?? row.fireCount,
      lastFiredAt: state?.lastFiredAt
        ? new Date(state.lastFiredAt).toISOString()
        : (row.lastFiredAt?.toISOString() ?? null),
      createdAt: row.createdAt.toISOString(),
    };
  }

  private async requireRule(userId: string, id: string): Promise<repo.AlertRuleRow> {
    const row = await repo.findRule(this.options.db, userId, id);
    if (!row) throw new AppError('alert_not_found');
    return row;
  }

  private requireSymbol(raw: string): string {
    const symbol = normalizeSymbol(raw);
    if (!symbol) {
      throw new AppError(
        'invalid_symbol',
        `"${raw.trim().slice(0, 40)}" is not a valid symbol. Examples: AAPL, VOD.L.`,
      );
    }
    return symbol;
  }

  private requireFutureExpiry(expiresAt: string | null | undefined): void {
    if (expiresAt && new Date(expiresAt).getTime() <= this.options.clock.now()) {
      throw new AppError('validation_error', undefined, { expiresAt: ['The expiry must be in the future.'] });
    }
  }

  private async requireOwnChannels(userId: string, channels: readonly string[]): Promise<void> {
    await assertChannelsOwned(this.options.db, userId, channels);
  }
}

function isMoveRule(rule: { kind: string }): boolean {
  return rule.kind === 'move_up' || rule.kind === 'move_down';
}

/** What holding rules are tracked with (see `holdingInputs`). */
interface HoldingInputs {
  views: Map<string, HoldingsView>;
  lastFirings: Map<string, repo.DirectionFirings>;
}

/** A firing decided and not yet stored. */
type PendingFiring = Omit<repo.FiringRecord, 'storedAt'>;

/** The rule as it fired, kept with the firing. */
function snapshotOf(rule: AlertRuleState): Record<string, unknown> {
  const { recentFirings: _recent, armed: _armed, ...rest } = rule;
  return { ...rest };
}
