// With its extension: the unit tests compile this module under Node's resolution too.
import type { Holding, HoldingsView } from '../api.js';

/**
 * The holdings as shown, moved by live prices between two answers of the server.
 *
 * Display-only arithmetic: the server's figures are exact decimals (strings); here they are read with
 * Number and moved by `quantity × (live price − the server's price)`, which is enough for a figure
 * rounded to the cent on screen. The server stays the source of exact figures: every change of the
 * ledger reads them again.
 */
export interface LiveHolding {
  holding: Holding;
  quantity: number;
  /** In the instrument's currency, like the server's row. */
  price: number | null;
  value: number | null;
  cost: number;
  unrealized: number | null;
  unrealizedPercent: number | null;
  dayGain: number | null;
  /** In the base currency. */
  baseValue: number | null;
  /** Share of the portfolio value, in percent. */
  weight: number | null;
}

export interface LiveTotals {
  value: number;
  cost: number;
  cash: number;
  unrealized: number;
  unrealizedPercent: number | null;
  realized: number;
  dividends: number;
  dayGain: number;
  /** Unrealized plus realized plus dividends. */
  totalReturn: number;
}

export interface LivePortfolio {
  /** The server's answer these figures were moved from. */
  source: HoldingsView;
  baseCurrency: string;
  costBasis: HoldingsView['costBasis'];
  holdings: LiveHolding[];
  totals: LiveTotals;
}

const num = (text: string | null): number | null => (text === null ? null : Number(text));

/** The rate from the holding's currency to the base currency the server used, 1 for the same currency. */
function fxRateOf(holding: Holding, baseCurrency: string): number | null {
  if (holding.base.fxRate !== null) return Number(holding.base.fxRate);
  return holding.currency === baseCurrency ? 1 : null;
}

/** `view` with each held symbol's live price in `prices` (symbols without one keep the server's). */
export function livePortfolio(view: HoldingsView, prices: ReadonlyMap<string, number>): LivePortfolio {
  let baseMove = 0;
  let baseDayMove = 0;
  const moved = view.holdings.map((holding) => {
    const quantity = Number(holding.quantity);
    const serverPrice = num(holding.price);
    const live = prices.get(holding.symbol);
    const fx = fxRateOf(holding, view.baseCurrency);
    const cost = Number(holding.cost);
    let value = num(holding.value);
    let unrealized = num(holding.unrealized);
    let dayGain = num(holding.dayGain);
    let baseValue = num(holding.base.value);
    let price = serverPrice;
    if (live !== undefined && live !== serverPrice) {
      price = live;
      if (serverPrice !== null && value !== null) {
        const move = quantity * (live - serverPrice);
        value += move;
        unrealized = unrealized !== null ? unrealized + move : value - cost;
        if (dayGain !== null) dayGain += move;
        if (fx !== null) {
          baseValue = (baseValue ?? 0) + move * fx;
          baseMove += move * fx;
          if (dayGain !== null) baseDayMove += move * fx;
        }
      } else {
        // The server had no price yet: the whole value is new.
        value = quantity * live;
        unrealized = value - cost;
        if (fx !== null) {
          baseValue = value * fx;
          baseMove += baseValue;
        }
      }
    }
    return { holding, quantity, price, value, cost, unrealized, dayGain, baseValue };
  });

  const totals = view.totals;
  const value = Number(totals.value) + baseMove;
  const unrealized = Number(totals.unrealized) + baseMove;
  const cost = Number(totals.cost);
  const realized = Number(totals.realized);
  const dividends = Number(totals.dividends);
  // The weights' denominator as the server chose it (with or without cash), moved like the value.
  const reference = view.holdings.find(
    (h) => h.weight !== null && Number(h.weight) > 0 && h.base.value !== null,
  );
  const weightBase = reference
    ? (Number(reference.base.value) * 100) / Number(reference.weight) + baseMove
    : value;
  return {
    source: view,
    baseCurrency: view.baseCurrency,
    costBasis: view.costBasis,
    holdings: moved.map((row) => ({
      ...row,
      unrealizedPercent: row.unrealized !== null && row.cost !== 0 ? (row.unrealized / row.cost) * 100 : null,
      weight: row.baseValue !== null && weightBase > 0 ? (row.baseValue / weightBase) * 100 : null,
    })),
    totals: {
      value,
      cost,
      cash: Number(totals.cash),
      unrealized,
      unrealizedPercent: cost !== 0 ? (unrealized / cost) * 100 : null,
      realized,
      dividends,
      dayGain: Number(totals.dayGain) + baseDayMove,
      totalReturn: unrealized + realized + dividends,
    },
  };
}
