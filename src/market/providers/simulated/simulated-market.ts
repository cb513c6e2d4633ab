import { type Clock, hashString, seededRandom } from '../../../clock.js';
import type {
  Bar,
  CompanyProfile,
  InstrumentInfo,
  KeyMetrics,
  Logo,
  MarketStatus,
  ProviderHistory,
  Quote,
  SymbolMatch,
} from '../../kernel/instruments.js';
import { DAY_MS, MINUTE_MS, utcDayStart } from '../../kernel/periods.js';
import type { Capability, Delay } from '../../kernel/sources.js';
import { isForexSymbol } from '../../kernel/symbols.js';
import type { FeedCoverage, FeedListener, FeedStatus, MarketDataProvider, QuoteFeed } from '../provider.js';
import type { MarketSource, SourceLimits } from '../source.js';
import { gaussian, roundTo, simulatePast } from './simulated-past.js';
import { SIMULATED_UNIVERSE, type SimulatedInstrument } from './universe.js';

interface SymbolState {
  instrument: SimulatedInstrument;
  /** The smallest price step, as on the real market: cents for stocks, pips for FX. */
  tick: number;
  random: () => number;
  previousClose: number;
  volume: number;
  open: number;
  high: number;
  low: number;
  price: number;
  time: number;
  /** Where its generated past ends (the state's first price and time), to regenerate that past on demand. */
  pastEnd: { price: number; time: number };
  /** The days the live walk finished (it rolls over at midnight UTC), oldest first, at most a year. */
  finishedDays: Bar[];
  /** Shares (or units) outstanding: the market cap at the reference price over that price; fixed. */
  shares: number | null;
}

const YEAR_MS = 365 * DAY_MS;

/** Steps per simulated "day" used to scale daily volatility to one tick; small enough that ticks are visible. */
const STEPS_PER_DAY = 2000;

/**
 * A market that needs no network: a seeded random walk per symbol over a fixed universe of real
 * instruments. Each symbol has its own random stream, so its path depends only on the seed and on
 * how many times it has been stepped, not on which other symbols are watched. As a source it serves
 * everything it knows, in real time.
 */
export class SimulatedMarket implements MarketDataProvider, MarketSource {
  readonly name = 'simulated';
  readonly id = 'simulated';
  readonly limits: SourceLimits = { requestsPerMinute: null, description: 'no network, no limit' };
  private readonly bySymbol = new Map(SIMULATED_UNIVERSE.map((i) => [i.symbol, i]));
  private readonly states = new Map<string, SymbolState>();

  /**
   * @param tickMs the walk takes one step per tick of simulated time, so a symbol nobody watches has
   *   still moved when it is next asked for.
   */
  constructor(
    private readonly seed: number,
    private readonly clock: Clock,
    private readonly tickMs = 1000,
  ) {}

  serves(capability: Capability, symbol: string): boolean {
    switch (capability) {
      case 'search':
      case 'market_status':
        return true;
      case 'profile':
      case 'key_metrics':
        return this.bySymbol.get(symbol)?.type === 'Common Stock';
      case 'fx_rates':
        return isForexSymbol(symbol) && this.bySymbol.has(symbol);
      default:
        return this.bySymbol.has(symbol);
    }
  }

  delay(): Delay {
    return 0;
  }

  async getQuote({ symbol }: { symbol: string }): Promise<Quote | null> {
    const state = this.state(symbol);
    if (!state) return null;
    this.advance(state, 0);
    return toQuote(state);
  }

  async describe({ symbol }: { symbol: string }): Promise<InstrumentInfo | null> {
    const instrument = this.bySymbol.get(symbol);
    if (!instrument) return null;
    const { basePrice: _base, dailyVolatility: _vol, marketCap: _cap, ...info } = instrument;
    return info;
  }

  async search({ query }: { query: string }): Promise<SymbolMatch[]> {
    const q = query.trim().toUpperCase();
    if (!q) return [];
    const rank = (i: SimulatedInstrument): number => {
      const name = i.name.toUpperCase();
      if (i.symbol === q) return 0;
      if (i.symbol.startsWith(q) || i.symbol.split(':')[1]?.startsWith(q)) return 1;
      if (name.startsWith(q)) return 2;
      if (name.includes(q) || i.symbol.includes(q)) return 3;
      return -1;
    };
    return SIMULATED_UNIVERSE.map((i) => ({ i, r: rank(i) }))
      .filter(({ r }) => r >= 0)
      .sort((a, b) => a.r - b.r || a.i.symbol.localeCompare(b.i.symbol))
      .slice(0, 20)
      .map(({ i }) => ({ symbol: i.symbol, description: i.name, type: i.type ?? '' }));
  }

  /**
   * Figures that agree with what is drawn beside them: the 52-week range is that of the year's daily
   * bars (the generated past, the days walked since, and today so far, live price included), and
   * the market cap is the fixed share count at today's price.
   */
  async keyMetrics({ symbol }: { symbol: string }): Promise<KeyMetrics | null> {
    const state = this.state(symbol);
    if (!state) return null;
    this.advance(state, 0);
    const year = this.dailyBars(state, this.clock.now() - YEAR_MS);
    return {
      week52High: Math.max(...year.map((bar) => bar.high)),
      week52Low: Math.min(...year.map((bar) => bar.low)),
      marketCap: state.shares === null ? null : state.shares * state.price,
    };
  }

  /**
   * A year of daily bars and five days of 1-minute bars that end where the symbol's live walk began,
   * the same every time for the same seed.
   */
  async history({ symbol }: { symbol: string }): Promise<ProviderHistory> {
    const state = this.state(symbol);
    if (!state) return { daily: [], minute: [] };
    return this.past(symbol, state.instrument, state.pastEnd);
  }

  /** Daily bars from `from`: the generated past, the days walked since, and today so far. */
  async dailyHistory({ symbol, from }: { symbol: string; from: number }): Promise<Bar[] | null> {
    const state = this.state(symbol);
    if (!state) return null;
    this.advance(state, 0);
    return this.dailyBars(state, from);
  }

  /** The generated 1-minute bars: the four days before the walk began and that day up to it. */
  async intradayHistory({ symbol }: { symbol: string }): Promise<Bar[] | null> {
    const state = this.state(symbol);
    if (!state) return null;
    return this.past(symbol, state.instrument, state.pastEnd).minute;
  }

  private dailyBars(state: SymbolState, from: number): Bar[] {
    const { daily } = this.past(state.instrument.symbol, state.instrument, state.pastEnd);
    const today: Bar = {
      time: utcDayStart(state.time),
      open: state.open,
      high: state.high,
      low: state.low,
      close: state.price,
      volume: state.volume,
    };
    return [...daily, ...state.finishedDays, today].filter((bar) => bar.time >= from);
  }

  private past(
    symbol: string,
    instrument: SimulatedInstrument,
    end: { price: number; time: number },
  ): ProviderHistory {
    return simulatePast({
      random: seededRandom(hashString(`${this.seed}:past:${symbol}`)),
      tick: tickSize(instrument),
      dailyVolatility: instrument.dailyVolatility,
      minuteVolume: minuteVolume(instrument),
      endPrice: end.price,
      endTime: end.time,
    });
  }

  /** What the universe knows of the company; the logo is a monogram drawn here. */
  async profile({ symbol }: { symbol: string }): Promise<CompanyProfile | null> {
    const instrument = this.bySymbol.get(symbol);
    if (instrument?.type !== 'Common Stock') return null;
    return {
      name: instrument.name,
      exchange: instrument.exchange,
      currency: instrument.currency,
      industry: null,
      country: instrument.currency === 'USD' ? 'US' : null,
      website: null,
      ipo: null,
      logoSource: `simulated:${symbol}`,
    };
  }

  async logo({ symbol, source }: { symbol: string; source: string | null }): Promise<Logo | null> {
    const instrument = this.bySymbol.get(symbol);
    if (!instrument || source !== `simulated:${symbol}`) return null;
    const letters = instrument.name
      .replace(/[^A-Za-z0-9 ]/g, '')
      .split(' ')
      .filter(Boolean);
    const monogram = `${letters[0]?.[0] ?? symbol[0]}${letters[1]?.[0] ?? ''}`.toUpperCase();
    const hue = hashString(symbol) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="hsl(${hue},45%,40%)"/><text x="32" y="41" font-family="system-ui,sans-serif" font-size="24" font-weight="600" text-anchor="middle" fill="#fff">${monogram}</text></svg>`;
    return { contentType: 'image/svg+xml', data: new TextEncoder().encode(svg) };
  }

  /** The simulated market is a demo that trades around the clock, and says so. */
  async marketStatus(): Promise<MarketStatus> {
    return {
      exchange: 'SIMULATED',
      state: 'open',
      holiday: null,
      timezone: null,
      description: 'Simulated market: open around the clock',
    };
  }

  /** Every simulated quote is a trade: the simulated market trades around the clock. */
  inSession(): boolean {
    return true;
  }

  /** Moves each symbol at least one random-walk step (more if ticks were missed) and returns the new quotes. */
  step(symbols: Iterable<string>): Quote[] {
    const quotes: Quote[] = [];
    for (const symbol of symbols) {
      const state = this.state(symbol);
      if (!state) continue;
      this.advance(state, 1);
      quotes.push(toQuote(state));
    }
    return quotes;
  }

  /** Catches a symbol up with the clock: one step per elapsed tick (at most 100), and at least `minSteps`. */
  private advance(state: SymbolState, minSteps: number): void {
    const now = this.clock.now();
    rollOver(state, now);
    const steps = Math.min(100, Math.max(minSteps, Math.floor((now - state.time) / this.tickMs)));
    if (steps === 0) return;
    const sigma = state.instrument.dailyVolatility / Math.sqrt(STEPS_PER_DAY);
    for (let i = 0; i < steps; i++) {
      // Mean reversion towards the open keeps a long-running demo from drifting to absurd prices.
      const pull = ((state.open - state.price) / state.open) * 0.002;
      state.price = roundTo(state.price * (1 + pull + sigma * gaussian(state.random)), state.tick);
      state.high = Math.max(state.high, state.price);
      state.low = Math.min(state.low, state.price);
      state.volume += Math.round(
        ((minuteVolume(state.instrument) * this.tickMs) / MINUTE_MS) * (0.3 + state.random() * 1.4),
      );
    }
    state.time = now;
  }

  private state(symbol: string): SymbolState | undefined {
    const existing = this.states.get(symbol);
    if (existing) return existing;
    const instrument = this.bySymbol.get(symbol);
    if (!instrument) return undefined;
    const random = seededRandom(hashString(`${this.seed}:${symbol}`));
    const tick = tickSize(instrument);
    const now = this.clock.now();
    const price = roundTo(instrument.basePrice * (1 + 0.02 * gaussian(random)), tick);
    // Today's open, range, volume and yesterday's close come from the generated past, so the quote
    // and the chart tell the same story.
    const { minute } = this.past(symbol, instrument, { price, time: now });
    const today = utcDayStart(now);
    const todays = minute.filter((bar) => bar.time >= today);
    const yesterday = minute.filter((bar) => bar.time < today);
    const state: SymbolState = {
      instrument,
      tick,
      random,
      previousClose: yesterday[yesterday.length - 1]?.close ?? price,
      volume: todays.reduce((sum, bar) => sum + bar.volume, 0),
      open: todays[0]?.open ?? price,
      high: Math.max(price, ...todays.map((bar) => bar.high)),
      low: Math.min(price, ...todays.map((bar) => bar.low)),
      price,
      time: now,
      pastEnd: { price, time: now },
      finishedDays: [],
      shares: instrument.marketCap === null ? null : Math.round(instrument.marketCap / instrument.basePrice),
    };
    this.states.set(symbol, state);
    return state;
  }
}

/** Ticks every watched symbol of a SimulatedMarket on a fixed interval (at most 2 s, as promised to users). */
export class SimulatedFeed implements QuoteFeed {
  private watched: ReadonlySet<string> = new Set();
  private listener: FeedListener | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly market: SimulatedMarket,
    tickMs = 1000,
  ) {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
    listener.status('simulated');
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.watched = new Set(symbols);
  }

  status(): FeedStatus {
    return 'simulated';
  }

  covers(symbol: string): boolean {
    return this.watched.has(symbol);
  }

  upstream(): { connected: boolean; subscriptions: number } {
    return { connected: true, subscriptions: this.watched.size };
  }

  coverage(): FeedCoverage {
    return { live: this.watched.size, polled: 0, leftOut: 0 };
  }

  tick(): void {
    const listener = this.listener;
    if (!listener) return;
    for (const quote of this.market.step(this.watched)) listener.quote(quote);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** A new UTC day: the walked day becomes a finished bar, and today opens at the last price. */
function rollOver(state: SymbolState, now: number): void {
  const day = utcDayStart(state.time);
  if (utcDayStart(now) === day) return;
  state.finishedDays.push({
    time: day,
    open: state.open,
    high: state.high,
    low: state.low,
    close: state.price,
    volume: state.volume,
  });
  if (state.finishedDays.length > 366) state.finishedDays.shift();
  state.previousClose = state.price;
  state.open = state.high = state.low = state.price;
  state.volume = 0;
}

function toQuote(state: SymbolState): Quote {
  const change = state.price - state.previousClose;
  return {
    symbol: state.instrument.symbol,
    price: state.price,
    change: roundTo(change, state.tick),
    changePercent: Number(((change / state.previousClose) * 100).toPrecision(6)),
    open: state.open,
    high: state.high,
    low: state.low,
    previousClose: state.previousClose,
    volume: state.volume,
    time: state.time,
    source: 'simulated',
    delayMinutes: 0,
  };
}

/** Typical units traded a minute: fewer of dear things, many of cheap ones. */
function minuteVolume({ basePrice }: SimulatedInstrument): number {
  return Math.max(1, Math.round(50_000 / Math.sqrt(basePrice)));
}

function tickSize({ type, basePrice }: SimulatedInstrument): number {
  if (type === 'Forex') return basePrice >= 20 ? 0.001 : 0.00001;
  if (basePrice >= 1) return 0.01;
  // Sub-unit prices (penny stocks, small coins): about six significant digits.
  return 10 ** (Math.floor(Math.log10(basePrice)) - 5);
}
