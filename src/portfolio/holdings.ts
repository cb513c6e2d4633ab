import { Decimal, decimalString, roundedString, ZERO } from './decimal.js';
import { cashEffect, type LedgerTransaction, positionKey } from './ledger.js';
import type { CostBasisMethod, Holding, HoldingsView } from './portfolio.schemas.js';

/**
 * The holdings figures as pure functions (no I/O): the ledger replayed once, in ledger order, into
 * positions (one symbol in one account) under average cost or FIFO, then valued at live prices and
 * converted to the base currency. Conventions (docs/portfolio.md): a buy's fee is part of its cost;
 * a sell's fee reduces its proceeds; realized = proceeds - fee - cost of the units sold; under FIFO
 * each lot keeps its own fee and a partly sold lot's cost splits in proportion; a split multiplies
 * quantities by new/old and leaves costs alone.
 */

/** Exchange rates as the figures need them; each answers a rate or throws (the caller's error). */
export interface Rates {
  /** Units of `to` one unit of `from` bought on `date`. */
  at(from: string, to: string, date: string): Decimal;
  /** Units of `to` one unit of `from` buys now. */
  now(from: string, to: string): Decimal;
}

/** A live price in the instrument's currency. */
export interface LivePrice {
  price: Decimal;
  previousClose: Decimal | null;
  /** Epoch ms of the quote. */
  time: number;
}

/** A FIFO lot: what is left of one buy. */
export interface Lot {
  readonly date: string;
  quantity: Decimal;
  /** In the position's currency, its buy fee included. */
  cost: Decimal;
  /** In the base currency, at the buy date's rate. */
  costBase: Decimal;
}

/** One symbol in one account after the replay; amounts in the position's currency unless named base. */
export interface Position {
  readonly accountId: string;
  readonly symbol: string;
  /** The currency of its first transaction: the instrument's. */
  readonly currency: string;
  quantity: Decimal;
  cost: Decimal;
  costBase: Decimal;
  realized: Decimal;
  realizedBase: Decimal;
  /** Received: gross amount less withholding tax. */
  dividends: Decimal;
  dividendsBase: Decimal;
  /** Open lots (FIFO), oldest first; empty under average cost. */
  lots: Lot[];
  /** Units held when today began (after earlier days' transactions), for the day gain. */
  quantityAtOpen: Decimal;
  /** Today's buys less today's sells, at their prices (quantity x price), for the day gain. */
  tradedToday: Decimal;
}

/** What one transaction did to its position (for the holding's expansion). */
export interface PositionStep {
  readonly transactionId: string;
  readonly quantity: Decimal;
  readonly cost: Decimal;
  /** The realized P/L of a sell; null for other types. */
  readonly realized: Decimal | null;
  /** FIFO: the lots left after it; null under average cost. */
  readonly lots: ReadonlyArray<{ date: string; quantity: Decimal; cost: Decimal }> | null;
  /** Units of the position's currency per unit of the transaction's. */
  readonly fxRate: Decimal;
  /** Units of the base currency per unit of the transaction's, at its date. */
  readonly baseFxRate: Decimal;
}

export interface ReplayOptions {
  /** In ledger order (`inLedgerOrder`). */
  transactions: readonly LedgerTransaction[];
  /** Each account's currency, by id. */
  accountCurrencies: ReadonlyMap<string, string>;
  method: CostBasisMethod;
  baseCurrency: string;
  rates: Rates;
  /** YYYY-MM-DD: transactions dated today count in the day gain. */
  today: string;
  /** Record each step of this symbol's positions. */
  explain?: string;
}

export interface Replay {
  positions: Position[];
  /** Each account's cash, in its currency. */
  cash: Map<string, Decimal>;
  steps: PositionStep[];
}

const ONE = new Decimal(1);

/** The rate of a transaction's money into `to`: its own fxRate where it says exactly that, else the table's. */
function transactionRate(tx: LedgerTransaction, to: string, accountCurrency: string, rates: Rates): Decimal {
  if (tx.currency === to) return ONE;
  if (tx.fxRate !== null) {
    if (to === accountCurrency) return tx.fxRate;
    return tx.fxRate.times(rates.at(accountCurrency, to, tx.date));
  }
  return rates.at(tx.currency, to, tx.date);
}

/** A position before its first transaction. */
export function newPosition(accountId: string, symbol: string, currency: string): Position {
  return {
    accountId,
    symbol,
    currency,
    quantity: ZERO,
    cost: ZERO,
    costBase: ZERO,
    realized: ZERO,
    realizedBase: ZERO,
    dividends: ZERO,
    dividendsBase: ZERO,
    lots: [],
    quantityAtOpen: ZERO,
    tradedToday: ZERO,
  };
}

/** Takes `units` out of the position; answers the cost and base cost of what left. */
function takeUnits(position: Position, units: Decimal, method: CostBasisMethod): [Decimal, Decimal] {
  if (position.quantity.lessThanOrEqualTo(0)) return [ZERO, ZERO];
  if (method === 'average' || position.lots.length === 0) {
    if (units.greaterThanOrEqualTo(position.quantity)) {
      const taken: [Decimal, Decimal] = [position.cost, position.costBase];
      position.quantity = position.quantity.minus(units);
      position.cost = ZERO;
      position.costBase = ZERO;
      return taken;
    }
    const share = units.dividedBy(position.quantity);
    const cost = position.cost.times(share);
    const costBase = position.costBase.times(share);
    position.quantity = position.quantity.minus(units);
    position.cost = position.cost.minus(cost);
    position.costBase = position.costBase.minus(costBase);
    return [cost, costBase];
  }
  let left = units;
  let cost = ZERO;
  let costBase = ZERO;
  let used = 0;
  for (const lot of position.lots) {
    if (left.isZero()) break;
    if (left.greaterThanOrEqualTo(lot.quantity)) {
      cost = cost.plus(lot.cost);
      costBase = costBase.plus(lot.costBase);
      left = left.minus(lot.quantity);
      used++;
      continue;
    }
    const share = left.dividedBy(lot.quantity);
    const lotCost = lot.cost.times(share);
    const lotCostBase = lot.costBase.times(share);
    cost = cost.plus(lotCost);
    costBase = costBase.plus(lotCostBase);
    lot.quantity = lot.quantity.minus(left);
    lot.cost = lot.cost.minus(lotCost);
    lot.costBase = lot.costBase.minus(lotCostBase);
    left = ZERO;
  }
  if (used > 0) position.lots.splice(0, used);
  position.quantity = position.quantity.minus(units);
  position.cost = position.lots.length === 0 ? ZERO : position.cost.minus(cost);
  position.costBase = position.lots.length === 0 ? ZERO : position.costBase.minus(costBase);
  return [cost, costBase];
}

/**
 * Replays the ledger once into positions and each account's cash. Every rate a transaction needs is
 * asked of `rates` (a transaction's own fxRate first, for its account's currency).
 */
export function replayLedger(options: ReplayOptions): Replay {
  const positions = new Map<string, Position>();
  const cash = new Map<string, Decimal>();
  for (const accountId of options.accountCurrencies.keys()) cash.set(accountId, ZERO);
  return applyTransactions(positions, cash, [], options);
}

/**
 * A replay continued by transactions that come after all of its own in ledger order (later dates,
 * or the same date entered later: what a new transaction usually is), without touching `replay`:
 * the same result as replaying the whole ledger again, at the cost of the new transactions only.
 */
export function continueReplay(replay: Replay, options: ReplayOptions): Replay {
  const positions = new Map<string, Position>();
  for (const position of replay.positions) {
    positions.set(positionKey(position.accountId, position.symbol), {
      ...position,
      lots: position.lots.map((lot) => ({ ...lot })),
    });
  }
  const cash = new Map(replay.cash);
  for (const accountId of options.accountCurrencies.keys())
    if (!cash.has(accountId)) cash.set(accountId, ZERO);
  return applyTransactions(positions, cash, [...replay.steps], options);
}

function applyTransactions(
  positions: Map<string, Position>,
  cash: Map<string, Decimal>,
  steps: PositionStep[],
  options: ReplayOptions,
): Replay {
  const { accountCurrencies, method, baseCurrency, rates, today, explain } = options;
  for (const tx of options.transactions) {
    const accountCurrency = accountCurrencies.get(tx.accountId);
    if (accountCurrency === undefined) continue;
    if (tx.symbol === null || (tx.type !== 'buy' && tx.type !== 'sell'))
      addCash(cash, tx, accountCurrency, rates);
    if (tx.symbol === null) continue;

    const key = positionKey(tx.accountId, tx.symbol);
    let position = positions.get(key);
    if (!position) {
      position = newPosition(tx.accountId, tx.symbol, tx.currency);
      positions.set(key, position);
    }
    const rate = transactionRate(tx, position.currency, accountCurrency, rates);
    const baseRate = transactionRate(tx, baseCurrency, accountCurrency, rates);
    const quantity = tx.quantity ?? ZERO;
    const price = tx.price ?? ZERO;
    let realized: Decimal | null = null;

    switch (tx.type) {
      // A buy's and a sell's cash effect (cashEffect's) is computed here from the same product.
      case 'buy': {
        const gross = quantity.times(price);
        const spent = tx.fee.isZero() ? gross : gross.plus(tx.fee);
        moveCash(
          cash,
          tx.accountId,
          converted(spent, transactionRate(tx, accountCurrency, accountCurrency, rates)).negated(),
        );
        const cost = converted(spent, rate);
        const costBase = converted(spent, baseRate);
        position.quantity = position.quantity.plus(quantity);
        position.cost = position.cost.plus(cost);
        position.costBase = position.costBase.plus(costBase);
        if (method === 'fifo') position.lots.push({ date: tx.date, quantity, cost, costBase });
        if (tx.date >= today) position.tradedToday = position.tradedToday.plus(converted(gross, rate));
        break;
      }
      case 'sell': {
        const gross = quantity.times(price);
        const proceeds = tx.fee.isZero() ? gross : gross.minus(tx.fee);
        moveCash(
          cash,
          tx.accountId,
          converted(proceeds, transactionRate(tx, accountCurrency, accountCurrency, rates)),
        );
        const [cost, costBase] = takeUnits(position, quantity, method);
        realized = converted(proceeds, rate).minus(cost);
        position.realized = position.realized.plus(realized);
        position.realizedBase = position.realizedBase.plus(converted(proceeds, baseRate).minus(costBase));
        if (tx.date >= today) position.tradedToday = position.tradedToday.minus(converted(gross, rate));
        break;
      }
      case 'dividend': {
        const received = (tx.amount ?? ZERO).minus(tx.tax ?? ZERO);
        position.dividends = position.dividends.plus(converted(received, rate));
        position.dividendsBase = position.dividendsBase.plus(converted(received, baseRate));
        break;
      }
      case 'split': {
        if (!tx.split) break;
        const ratio = tx.split.to.dividedBy(tx.split.from);
        position.quantity = position.quantity.times(ratio);
        for (const lot of position.lots) lot.quantity = lot.quantity.times(ratio);
        // The previous close a day gain starts from is quoted after the split.
        if (tx.date >= today) position.quantityAtOpen = position.quantityAtOpen.times(ratio);
        break;
      }
      default:
        break;
    }
    if (tx.date < today) position.quantityAtOpen = position.quantity;

    if (explain === tx.symbol) {
      steps.push({
        transactionId: tx.id,
        quantity: position.quantity,
        cost: position.cost,
        realized,
        lots:
          method === 'fifo'
            ? position.lots.map((lot) => ({ date: lot.date, quantity: lot.quantity, cost: lot.cost }))
            : null,
        fxRate: rate,
        baseFxRate: baseRate,
      });
    }
  }
  return { positions: [...positions.values()], cash, steps };
}

/** One symbol over the accounts asked for: the positions of it summed, in the first one's currency. */
export interface HoldingFigures {
  symbol: string;
  currency: string;
  quantity: Decimal;
  live: LivePrice | null;
  value: Decimal | null;
  cost: Decimal;
  averageCost: Decimal;
  unrealized: Decimal | null;
  /** Percent of the cost; null without a price or a cost. */
  unrealizedPercent: Decimal | null;
  realized: Decimal;
  dividends: Decimal;
  dayGain: Decimal | null;
  /** Percent of the total value; null without a price. */
  weight: Decimal | null;
  base: {
    value: Decimal | null;
    cost: Decimal;
    unrealized: Decimal | null;
    /** The part of the base-currency P/L the exchange rate made since the buys. */
    currencyEffect: Decimal | null;
    /** Units of the base currency one unit of the holding's buys now. */
    fxRate: Decimal;
  };
  /** Realized P/L and dividends in the base currency, at their dates' rates (for the totals). */
  realizedBase: Decimal;
  dividendsBase: Decimal;
}

export interface HoldingsFigures {
  totals: {
    value: Decimal;
    cost: Decimal;
    cash: Decimal;
    unrealized: Decimal;
    unrealizedPercent: Decimal | null;
    realized: Decimal;
    dividends: Decimal;
    dayGain: Decimal;
  };
  /** Every symbol ever traded, open or closed, in the order first traded. */
  holdings: HoldingFigures[];
}

const HUNDRED = new Decimal(100);

function percentOf(part: Decimal, whole: Decimal): Decimal | null {
  return whole.isZero() ? null : part.dividedBy(whole).times(HUNDRED);
}

/**
 * Values a replay at live prices: each symbol's positions summed (a position in another currency
 * converted at today's rate), the base-currency figures and the totals. A holding without a price
 * counts in the totals' value at its cost, with no unrealized P/L; cash counts in the value.
 */
export function valueHoldings(
  replay: Replay,
  options: {
    prices: ReadonlyMap<string, LivePrice>;
    rates: Rates;
    baseCurrency: string;
    accountCurrencies: ReadonlyMap<string, string>;
  },
): HoldingsFigures {
  const { prices, rates, baseCurrency } = options;
  const bySymbol = new Map<string, Position[]>();
  for (const position of replay.positions) {
    const list = bySymbol.get(position.symbol);
    if (list) list.push(position);
    else bySymbol.set(position.symbol, [position]);
  }

  const holdings: HoldingFigures[] = [];
  for (const [symbol, positions] of bySymbol) {
    const currency = (positions[0] as Position).currency;
    let quantity = ZERO;
    let cost = ZERO;
    let costBase = ZERO;
    let realized = ZERO;
    let realizedBase = ZERO;
    let dividends = ZERO;
    let dividendsBase = ZERO;
    let quantityAtOpen = ZERO;
    let tradedToday = ZERO;
    for (const position of positions) {
      const factor = position.currency === currency ? ONE : rates.now(position.currency, currency);
      quantity = quantity.plus(position.quantity);
      quantityAtOpen = quantityAtOpen.plus(position.quantityAtOpen);
      cost = cost.plus(position.cost.times(factor));
      realized = realized.plus(position.realized.times(factor));
      dividends = dividends.plus(position.dividends.times(factor));
      tradedToday = tradedToday.plus(position.tradedToday.times(factor));
      costBase = costBase.plus(position.costBase);
      realizedBase = realizedBase.plus(position.realizedBase);
      dividendsBase = dividendsBase.plus(position.dividendsBase);
    }
    const fxRate = rates.now(currency, baseCurrency);
    const live = prices.get(symbol) ?? null;
    const value = live ? quantity.times(live.price) : null;
    const unrealized = value ? value.minus(cost) : null;
    const dayGain =
      live?.previousClose != null && value
        ? value.minus(quantityAtOpen.times(live.previousClose)).minus(tradedToday)
        : null;
    const baseValue = value ? value.times(fxRate) : null;
    holdings.push({
      symbol,
      currency,
      quantity,
      live,
      value,
      cost,
      averageCost: quantity.isZero() ? ZERO : cost.dividedBy(quantity),
      unrealized,
      unrealizedPercent: unrealized ? percentOf(unrealized, cost) : null,
      realized,
      dividends,
      dayGain,
      weight: null,
      base: {
        value: baseValue,
        cost: costBase,
        unrealized: baseValue ? baseValue.minus(costBase) : null,
        currencyEffect: value ? cost.times(fxRate).minus(costBase) : null,
        fxRate,
      },
      realizedBase,
      dividendsBase,
    });
  }

  let cash = ZERO;
  for (const [accountId, balance] of replay.cash) {
    const currency = options.accountCurrencies.get(accountId) ?? baseCurrency;
    cash = cash.plus(currency === baseCurrency ? balance : balance.times(rates.now(currency, baseCurrency)));
  }
  let value = cash;
  let cost = ZERO;
  let pricedCost = ZERO;
  let unrealized = ZERO;
  let realized = ZERO;
  let dividends = ZERO;
  let dayGain = ZERO;
  for (const holding of holdings) {
    cost = cost.plus(holding.base.cost);
    realized = realized.plus(holding.realizedBase);
    dividends = dividends.plus(holding.dividendsBase);
    if (holding.base.value && holding.base.unrealized) {
      value = value.plus(holding.base.value);
      pricedCost = pricedCost.plus(holding.base.cost);
      unrealized = unrealized.plus(holding.base.unrealized);
    } else value = value.plus(holding.base.cost);
    if (holding.dayGain) dayGain = dayGain.plus(holding.dayGain.times(holding.base.fxRate));
  }
  for (const holding of holdings) {
    if (holding.base.value) holding.weight = percentOf(holding.base.value, value);
  }
  return {
    totals: {
      value,
      cost,
      cash,
      unrealized,
      unrealizedPercent: percentOf(unrealized, pricedCost),
      realized,
      dividends,
      dayGain,
    },
    holdings,
  };
}

function addCash(
  cash: Map<string, Decimal>,
  tx: LedgerTransaction,
  accountCurrency: string,
  rates: Rates,
): void {
  const moved = cashEffect(tx);
  if (moved.isZero()) return;
  moveCash(
    cash,
    tx.accountId,
    converted(moved, transactionRate(tx, accountCurrency, accountCurrency, rates)),
  );
}

function moveCash(cash: Map<string, Decimal>, accountId: string, amount: Decimal): void {
  cash.set(accountId, (cash.get(accountId) ?? ZERO).plus(amount));
}

/** `value` times `rate`, with no multiplication for the same currency (most of a ledger). */
function converted(value: Decimal, rate: Decimal): Decimal {
  return rate === ONE ? value : value.times(rate);
}

/**
 * Output rounding: amounts and quantities half to even to 8 decimals (a crypto quantity's precision;
 * a money figure's rounding error stays far below a display cent), trailing zeros dropped;
 * percentages half to even to 2 decimals. Every figure is rounded once, from the unrounded
 * arithmetic, so totals are sums of exact figures, not of rounded ones.
 */
const AMOUNT_PLACES = 8;
const PERCENT_PLACES = 2;

export function amountString(value: Decimal): string {
  return decimalString(value.toDecimalPlaces(AMOUNT_PLACES, Decimal.ROUND_HALF_EVEN));
}

function percentString(value: Decimal): string {
  return roundedString(value, PERCENT_PLACES);
}

const amountOrNull = (value: Decimal | null) => (value === null ? null : amountString(value));
const percentOrNull = (value: Decimal | null) => (value === null ? null : percentString(value));

/** One holding as the API sends it. */
export function holdingView(holding: HoldingFigures, name: string | null): Holding {
  return {
    symbol: holding.symbol,
    name,
    quantity: amountString(holding.quantity),
    currency: holding.currency,
    price: holding.live ? amountString(holding.live.price) : null,
    value: amountOrNull(holding.value),
    cost: amountString(holding.cost),
    averageCost: amountString(holding.averageCost),
    unrealized: amountOrNull(holding.unrealized),
    unrealizedPercent: percentOrNull(holding.unrealizedPercent),
    realized: amountString(holding.realized),
    dividends: amountString(holding.dividends),
    dayGain: amountOrNull(holding.dayGain),
    weight: percentOrNull(holding.weight),
    base: {
      value: amountOrNull(holding.base.value),
      cost: amountString(holding.base.cost),
      unrealized: amountOrNull(holding.base.unrealized),
      currencyEffect: amountOrNull(holding.base.currencyEffect),
      fxRate: amountString(holding.base.fxRate),
    },
  };
}

/** The holdings answer: the open holdings (quantity not 0); the totals also count closed ones' realized P/L and dividends. */
export function holdingsView(
  figures: HoldingsFigures,
  options: { baseCurrency: string; costBasis: CostBasisMethod; names: ReadonlyMap<string, string> },
): HoldingsView {
  const { totals } = figures;
  return {
    baseCurrency: options.baseCurrency,
    costBasis: options.costBasis,
    totals: {
      value: amountString(totals.value),
      cost: amountString(totals.cost),
      cash: amountString(totals.cash),
      unrealized: amountString(totals.unrealized),
      unrealizedPercent: percentOrNull(totals.unrealizedPercent),
      realized: amountString(totals.realized),
      dividends: amountString(totals.dividends),
      dayGain: amountString(totals.dayGain),
    },
    holdings: figures.holdings
      .filter((holding) => !holding.quantity.isZero())
      .map((holding) => holdingView(holding, options.names.get(holding.symbol) ?? null)),
  };
}
